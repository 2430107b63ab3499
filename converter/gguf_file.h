// The GGUF container: metadata key/values and tensor descriptions, read with every count and
// offset checked against the file before it is trusted. Metadata stays in the mapped file: the
// reader keeps one offset per key (8 bytes for the at least 13 each key/value takes), and values,
// strings and arrays are views into the mapping, decoded when asked for. So no metadata, whatever
// its arrays claim, costs memory beyond a fraction of its own bytes (docs/fuzzing.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "byte_reader.h"

namespace sprig::convert {

enum GgufType : uint32_t {
  kGgufU8 = 0, kGgufI8 = 1, kGgufU16 = 2, kGgufI16 = 3, kGgufU32 = 4, kGgufI32 = 5, kGgufF32 = 6, kGgufBool = 7,
  kGgufString = 8, kGgufArray = 9, kGgufU64 = 10, kGgufI64 = 11, kGgufF64 = 12,
};

// A metadata array as it lies in the file (its bounds checked when the file was opened).
class GgufArray {
 public:
  GgufArray(uint32_t element_type, uint64_t size, const uint8_t* data, uint64_t bytes)
      : type_(element_type), size_(size), data_(data), bytes_(bytes) {}

  uint32_t element_type() const { return type_; }
  uint64_t size() const { return size_; }
  bool holds_strings() const { return type_ == kGgufString; }
  bool holds_floats() const { return type_ == kGgufF32 || type_ == kGgufF64; }
  bool holds_signed() const { return type_ == kGgufI8 || type_ == kGgufI16 || type_ == kGgufI32 || type_ == kGgufI64; }

  // Element i of a float array (holds_floats) or a signed one (holds_signed).
  double float_at(uint64_t i) const;
  int64_t signed_at(uint64_t i) const;
  // Calls visit(std::string_view) for each element of a string array, in order. The lengths
  // were checked when the file was opened; they are checked again against the array's extent
  // so that a file changed under the mapping cannot lead a read outside it.
  template <typename Visit>
  void for_each_string(Visit visit) const {
    uint64_t at = 0;
    for (uint64_t i = 0; i < size_; ++i) {
      uint64_t length;
      if (bytes_ - at < 8) throw ConvertError("GGUF string array changed while it was read");
      std::memcpy(&length, data_ + at, sizeof length);
      at += 8;
      if (length > bytes_ - at) throw ConvertError("GGUF string array changed while it was read");
      visit(std::string_view(reinterpret_cast<const char*>(data_ + at), size_t(length)));
      at += length;
    }
  }

 private:
  uint32_t type_;
  uint64_t size_;
  const uint8_t* data_;  // the first element, in the mapping
  uint64_t bytes_;       // the elements' extent there
};

struct GgufValue {
  // Scalars widen to the largest type of their kind; strings and arrays are views into the file.
  std::variant<uint64_t, int64_t, double, bool, std::string_view, GgufArray> value;
};

struct GgufTensor {
  std::string name;
  std::vector<uint64_t> dims;  // GGUF order: innermost (contiguous) first
  uint32_t type = 0;           // ggml type id
  uint64_t offset = 0;         // absolute, in the file
  uint64_t size = 0;
};

// Whether the file starts with GGUF's magic.
bool is_gguf_file(const std::string& path);

class GgufFile {
 public:
  explicit GgufFile(const std::string& path);

  const InputFile& file() const { return *file_; }
  std::shared_ptr<const InputFile> shared_file() const { return file_; }
  const std::vector<GgufTensor>& tensors() const { return tensors_; }

  bool has(std::string_view key) const { return find(key).has_value(); }
  std::string get_string(const std::string& key) const;
  uint64_t get_uint(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  GgufArray get_array(const std::string& key) const;
  std::optional<uint64_t> find_uint(const std::string& key) const;

 private:
  std::optional<uint64_t> find(std::string_view key) const;  // offset of the key's value type
  std::string_view key_at(uint64_t entry) const;
  GgufValue get(const std::string& key) const;
  GgufValue read_value(ByteReader& reader, uint32_t type, int depth) const;

  std::shared_ptr<InputFile> file_;
  std::vector<uint64_t> entries_;  // offset of each key/value, sorted by key
  std::vector<GgufTensor> tensors_;
};

}  // namespace sprig::convert
