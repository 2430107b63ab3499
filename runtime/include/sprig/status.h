// Errors as values: the runtime never lets an exception cross its boundary. An error has a code
// (what a caller can act on; the C API maps it to a sprig_status) and a message for people
// (what failed and why, naming the file or field).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace sprig {

enum class ErrorCode : uint8_t {
  InvalidArgument = 1,  // a value the caller passed (an option, a token, a file's contents) is refused
  Model,                // a model file cannot be opened or fails verification
  Memory,               // the memory given is too small, or an allocation failed
  ContextFull,          // the tokens do not fit in what is left of the context
  TextTooLong,          // more text than the buffers planned for it
  CannotShift,          // the model's cached positions cannot be moved (learned positions): recompute
  Io,                   // a file cannot be read or written
};
inline const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return "invalid argument";
    case ErrorCode::Model: return "model";
    case ErrorCode::Memory: return "memory";
    case ErrorCode::ContextFull: return "context full";
    case ErrorCode::TextTooLong: return "text too long";
    case ErrorCode::CannotShift: return "cannot shift";
    case ErrorCode::Io: return "io";
  }
  return "?";
}

class Error {
 public:
  explicit Error(std::string message) : message_(std::move(message)) {}
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_ = ErrorCode::InvalidArgument;
  std::string message_;
};

// A value or the error that prevented it.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() { return std::get<T>(state_); }
  const T& value() const { return std::get<T>(state_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<Error>(state_); }

 private:
  std::variant<T, Error> state_;
};

// Success or the error that prevented it.
class Status {
 public:
  Status() = default;
  Status(Error error) : code_(error.code()), message_(std::move(error).message()), failed_(true) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  ErrorCode code() const { return code_; }  // meaningful when !ok()
  const std::string& message() const { return message_; }
  Error error() const { return Error(code_, message_); }

 private:
  ErrorCode code_ = ErrorCode::InvalidArgument;
  std::string message_;
  bool failed_ = false;
};

}  // namespace sprig
