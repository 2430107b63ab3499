// The GGUF container: metadata key/values and tensor descriptions, read with every count and
// offset checked against the file before it is trusted.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "byte_reader.h"

namespace sprig::convert {

struct GgufValue {
  // Scalars widen to the largest type of their kind; arrays keep their elements.
  std::variant<uint64_t, int64_t, double, bool, std::string, std::vector<GgufValue>> value;
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

  bool has(const std::string& key) const { return metadata_.count(key) != 0; }
  std::string get_string(const std::string& key) const;
  uint64_t get_uint(const std::string& key) const;
  double get_float(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  const std::vector<GgufValue>& get_array(const std::string& key) const;
  std::optional<uint64_t> find_uint(const std::string& key) const;

 private:
  const GgufValue& get(const std::string& key) const;
  GgufValue read_value(ByteReader& reader, uint32_t type, int depth);

  std::shared_ptr<InputFile> file_;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensor> tensors_;
};

}  // namespace sprig::convert
