// What a request did wrong, as the OpenAI API reports it: an HTTP status and an error object
// ({"error": {"message", "type", "param", "code"}}).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sprig::serve {

struct ApiError {
  int status = 400;
  std::string message;
  std::string param;  // the request field at fault, or empty
  std::string code;   // a machine-readable reason ("context_length_exceeded"), or empty
  std::string type() const {
    if (status == 401) return "authentication_error";
    if (status == 503 || status >= 500) return "server_error";
    return "invalid_request_error";
  }
};

inline ApiError api_error(int status, std::string message, std::string code = {}) {
  return ApiError{status, std::move(message), {}, std::move(code)};
}

inline ApiError bad_request(std::string message, std::string param = {}, std::string code = {}) {
  return ApiError{400, std::move(message), std::move(param), std::move(code)};
}

// A parsed value or the error that prevented it.
template <typename T>
class Expected {
 public:
  Expected(T value) : state_(std::move(value)) {}
  Expected(ApiError error) : state_(std::move(error)) {}
  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<T>(state_); }
  const T& value() const { return std::get<T>(state_); }
  T* operator->() { return &value(); }
  const ApiError& error() const { return std::get<ApiError>(state_); }

 private:
  std::variant<T, ApiError> state_;
};

}  // namespace sprig::serve
