// One .safetensors file: an 8-byte header length, a JSON header, then raw tensor bytes.
// Every entry's offsets are checked against the file and against its shape and dtype.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "byte_reader.h"
#include "element_types.h"

namespace sprig::convert {

struct SafetensorsEntry {
  ElementType type;
  std::vector<uint64_t> shape;
  uint64_t offset;  // absolute, in the file
  uint64_t size;
};

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::string& path);
  std::shared_ptr<const InputFile> file() const { return file_; }
  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }

 private:
  std::shared_ptr<InputFile> file_;
  std::map<std::string, SafetensorsEntry> entries_;
};

}  // namespace sprig::convert
