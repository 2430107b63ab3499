#include "gguf_file.h"
#include "gguf_quants.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <set>

namespace sprig::convert {
namespace {

enum GgufType : uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};

constexpr uint64_t kMaxSmallElements = 1 << 16;

// Bytes one element of a type takes at least; used to reject counts the file cannot hold.
uint64_t minimum_size(uint32_t type) {
  switch (type) {
    case kU8: case kI8: case kBool: return 1;
    case kU16: case kI16: return 2;
    case kU32: case kI32: case kF32: return 4;
    case kU64: case kI64: case kF64: case kString: return 8;
    case kArray: return 12;
  }
  return 1;
}

std::string read_string(ByteReader& reader, const char* what) {
  const uint64_t length = reader.read<uint64_t>(what);
  return std::string(reader.read_bytes(length, what));
}

// ggml's size of a tensor of the types sprig can read; 0 for the rest, and for block types whose
// rows are not whole blocks (ggml never writes those).
uint64_t ggml_type_bytes(uint32_t type, uint64_t row_length, uint64_t elements) {
  switch (type) {
    case 0: return elements * 4;  // F32
    case 1: return elements * 2;  // F16
    case 30: return elements * 2;  // BF16
  }
  if (const auto quant = gguf_quant_type(type); quant && row_length % quant->block_values == 0)
    return elements / quant->block_values * quant->block_bytes;
  return 0;
}

}  // namespace

GgufFile::GgufFile(const std::string& path) : file_(std::make_shared<InputFile>(path)) {
  ByteReader reader(*file_);
  const std::string_view magic = reader.read_bytes(4, "magic");
  if (magic != "GGUF") file_->fail("not a GGUF file (magic is not \"GGUF\")");
  const uint32_t version = reader.read<uint32_t>("version");
  if (version < 2 || version > 3) file_->fail("GGUF version " + std::to_string(version) + " is not supported (2 and 3 are)");
  const uint64_t tensor_count = reader.read<uint64_t>("tensor count");
  const uint64_t kv_count = reader.read<uint64_t>("metadata count");
  // Each key/value takes at least 12 bytes and each tensor description at least 24.
  if (kv_count > reader.remaining() / 12 || tensor_count > reader.remaining() / 24)
    file_->fail("header claims " + std::to_string(kv_count) + " metadata entries and " + std::to_string(tensor_count) +
                " tensors, more than the file can hold");

  for (uint64_t i = 0; i < kv_count; ++i) {
    std::string key = read_string(reader, "metadata key");
    const uint32_t type = reader.read<uint32_t>("metadata type");
    if (metadata_.count(key)) file_->fail("metadata key '" + key.substr(0, 80) + "' appears twice");
    metadata_[key] = read_value(reader, type, 0);
  }
  for (uint64_t i = 0; i < tensor_count; ++i) {
    GgufTensor tensor;
    tensor.name = read_string(reader, "tensor name");
    const uint32_t n_dims = reader.read<uint32_t>("tensor dimensions");
    if (n_dims == 0 || n_dims > 4) file_->fail("tensor '" + tensor.name + "' has " + std::to_string(n_dims) + " dimensions");
    uint64_t elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      const uint64_t dim = reader.read<uint64_t>("tensor shape");
      if (dim == 0 || dim > (uint64_t(1) << 40) || elements > (uint64_t(1) << 40) / dim)
        file_->fail("tensor '" + tensor.name + "' has an absurd shape");
      elements *= dim;
      tensor.dims.push_back(dim);
    }
    tensor.type = reader.read<uint32_t>("tensor type");
    tensor.offset = reader.read<uint64_t>("tensor offset");
    tensor.size = ggml_type_bytes(tensor.type, tensor.dims[0], elements);
    tensors_.push_back(std::move(tensor));
  }
  uint64_t alignment = 32;
  if (auto a = find_uint("general.alignment")) alignment = *a;
  if (alignment == 0 || alignment > 4096 || (alignment & (alignment - 1)) != 0)
    file_->fail("general.alignment " + std::to_string(alignment) + " is not a power of two up to 4096");
  const uint64_t data_start = (reader.offset() + alignment - 1) / alignment * alignment;
  std::set<std::string> names;
  for (GgufTensor& tensor : tensors_) {
    if (!names.insert(tensor.name).second) file_->fail("tensor '" + tensor.name + "' appears twice");
    if (tensor.offset > file_->size()) file_->fail("tensor '" + tensor.name + "' starts past the end of the file");
    // ggml writes every tensor at a multiple of the alignment; anything else is a damaged file.
    if (tensor.offset % alignment != 0)
      file_->fail("tensor '" + tensor.name + "' offset " + std::to_string(tensor.offset) +
                  " is not a multiple of the alignment " + std::to_string(alignment));
    tensor.offset += data_start;
    if (tensor.size != 0) file_->bytes(tensor.offset, tensor.size, "tensor '" + tensor.name + "'");
  }
  // Tensors sharing bytes would silently give one the other's weights.
  std::vector<const GgufTensor*> by_offset;
  for (const GgufTensor& tensor : tensors_) by_offset.push_back(&tensor);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i - 1]->offset + by_offset[i - 1]->size > by_offset[i]->offset)
      file_->fail("tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap in the data");
}

GgufValue GgufFile::read_value(ByteReader& reader, uint32_t type, int depth) {
  switch (type) {
    case kU8: return {uint64_t(reader.read<uint8_t>("value"))};
    case kI8: return {int64_t(reader.read<int8_t>("value"))};
    case kU16: return {uint64_t(reader.read<uint16_t>("value"))};
    case kI16: return {int64_t(reader.read<int16_t>("value"))};
    case kU32: return {uint64_t(reader.read<uint32_t>("value"))};
    case kI32: return {int64_t(reader.read<int32_t>("value"))};
    case kF32: return {double(reader.read<float>("value"))};
    case kBool: return {reader.read<uint8_t>("value") != 0};
    case kString: return {read_string(reader, "string value")};
    case kU64: return {reader.read<uint64_t>("value")};
    case kI64: return {reader.read<int64_t>("value")};
    case kF64: return {reader.read<double>("value")};
    case kArray: {
      if (depth > 0) file_->fail("nested metadata arrays are not supported");
      const uint32_t element_type = reader.read<uint32_t>("array type");
      const uint64_t count = reader.read<uint64_t>("array length");
      if (element_type > kF64) file_->fail("unknown metadata array type " + std::to_string(element_type));
      if (count > reader.remaining() / minimum_size(element_type))
        file_->fail("metadata array of " + std::to_string(count) + " elements is larger than the file");
      // Each element is held in a GgufValue (40 bytes): 1- and 2-byte elements would cost up to
      // 40 times their bytes. sprig reads no long array of them, so memory stays within 10 times
      // the metadata's bytes.
      if (minimum_size(element_type) < 4 && count > kMaxSmallElements)
        file_->fail("metadata array of " + std::to_string(count) + " elements of " +
                    std::to_string(minimum_size(element_type)) + " bytes is longer than sprig reads (" +
                    std::to_string(kMaxSmallElements) + ")");
      std::vector<GgufValue> values;
      values.reserve(count);
      for (uint64_t i = 0; i < count; ++i) values.push_back(read_value(reader, element_type, depth + 1));
      return {std::move(values)};
    }
  }
  file_->fail("unknown metadata type " + std::to_string(type));
}

const GgufValue& GgufFile::get(const std::string& key) const {
  auto it = metadata_.find(key);
  if (it == metadata_.end()) file_->fail("missing metadata key '" + key + "'");
  return it->second;
}

std::optional<uint64_t> GgufFile::find_uint(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_uint(key);
}

std::string GgufFile::get_string(const std::string& key) const {
  if (auto* s = std::get_if<std::string>(&get(key).value)) return *s;
  file_->fail("metadata key '" + key + "' is not a string");
}

uint64_t GgufFile::get_uint(const std::string& key) const {
  const auto& v = get(key).value;
  if (auto* u = std::get_if<uint64_t>(&v)) return *u;
  if (auto* i = std::get_if<int64_t>(&v); i && *i >= 0) return uint64_t(*i);
  file_->fail("metadata key '" + key + "' is not a non-negative integer");
}

double GgufFile::get_float(const std::string& key) const {
  const auto& v = get(key).value;
  if (auto* d = std::get_if<double>(&v)) return *d;
  if (auto* u = std::get_if<uint64_t>(&v)) return double(*u);
  file_->fail("metadata key '" + key + "' is not a number");
}

bool GgufFile::get_bool(const std::string& key) const {
  if (auto* b = std::get_if<bool>(&get(key).value)) return *b;
  file_->fail("metadata key '" + key + "' is not a boolean");
}

const std::vector<GgufValue>& GgufFile::get_array(const std::string& key) const {
  if (auto* a = std::get_if<std::vector<GgufValue>>(&get(key).value)) return *a;
  file_->fail("metadata key '" + key + "' is not an array");
}

bool is_gguf_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char magic[4] = {};
  const bool gguf = std::fread(magic, 1, 4, f) == 4 && std::memcmp(magic, "GGUF", 4) == 0;
  std::fclose(f);
  return gguf;
}

}  // namespace sprig::convert
