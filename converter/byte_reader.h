// Bounds-checked reads from a mapped input file: every read past the end is an error that
// names the file and the offset, never a read outside the mapping.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "checkpoint.h"
#include "sprig/mapped_file.h"

namespace sprig::convert {

class InputFile {
 public:
  explicit InputFile(const std::string& path) : path_(path) {
    auto mapping = MappedFile::open(path);
    if (!mapping) throw ConvertError(mapping.error().message());
    mapping_ = std::move(mapping.value());
  }

  const std::string& path() const { return path_; }
  size_t size() const { return mapping_->size(); }
  const uint8_t* data() const { return mapping_->data(); }

  // The bytes [offset, offset + length), or an error naming what was being read.
  const uint8_t* bytes(uint64_t offset, uint64_t length, std::string_view what) const {
    if (offset > size() || length > size() - offset)
      throw ConvertError(path_ + ": truncated: " + std::string(what) + " needs bytes " + std::to_string(offset) +
                         ".." + std::to_string(offset + length) + " but the file has " + std::to_string(size()));
    return data() + offset;
  }

  [[noreturn]] void fail(const std::string& problem) const { throw ConvertError(path_ + ": " + problem); }

 private:
  std::string path_;
  std::unique_ptr<MappedFile> mapping_;
};

// Sequential little-endian reads with a cursor.
class ByteReader {
 public:
  ByteReader(const InputFile& file, uint64_t offset = 0) : file_(&file), offset_(offset) {}

  template <typename T>
  T read(std::string_view what) {
    T value;
    std::memcpy(&value, file_->bytes(offset_, sizeof(T), what), sizeof(T));
    offset_ += sizeof(T);
    return value;
  }
  std::string_view read_bytes(uint64_t length, std::string_view what) {
    const uint8_t* p = file_->bytes(offset_, length, what);
    offset_ += length;
    return {reinterpret_cast<const char*>(p), size_t(length)};
  }
  uint64_t offset() const { return offset_; }
  uint64_t remaining() const { return file_->size() - offset_; }

 private:
  const InputFile* file_;
  uint64_t offset_;
};

}  // namespace sprig::convert
