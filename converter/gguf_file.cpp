#include "gguf_file.h"
#include "gguf_quants.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace sprig::convert {
namespace {

// Bytes one element of a type takes at least; used to reject counts the file cannot hold.
uint64_t minimum_size(uint32_t type) {
  switch (type) {
    case kGgufU8: case kGgufI8: case kGgufBool: return 1;
    case kGgufU16: case kGgufI16: return 2;
    case kGgufU32: case kGgufI32: case kGgufF32: return 4;
    case kGgufU64: case kGgufI64: case kGgufF64: case kGgufString: return 8;
    case kGgufArray: return 12;
  }
  return 1;
}

// Each key/value takes at least 13 bytes (key length, type, a 1-byte value) and each tensor
// description at least 32 (name length, dimension count, one dimension, type, offset).
constexpr uint64_t kMinimumEntryBytes = 13;
constexpr uint64_t kMinimumTensorBytes = 32;

template <typename T>
T load(const uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

std::string_view read_string(ByteReader& reader, const char* what) {
  const uint64_t length = reader.read<uint64_t>(what);
  return reader.read_bytes(length, what);
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
  if (kv_count > reader.remaining() / kMinimumEntryBytes)
    file_->fail("header claims " + std::to_string(kv_count) + " metadata entries, more than the file can hold");
  entries_.reserve(kv_count);
  for (uint64_t i = 0; i < kv_count; ++i) {
    entries_.push_back(reader.offset());
    read_string(reader, "metadata key");
    const uint32_t type = reader.read<uint32_t>("metadata type");
    read_value(reader, type, 0);  // checks it and moves past it
  }
  std::sort(entries_.begin(), entries_.end(), [&](uint64_t a, uint64_t b) { return key_at(a) < key_at(b); });
  for (size_t i = 1; i < entries_.size(); ++i)
    if (key_at(entries_[i - 1]) == key_at(entries_[i]))
      file_->fail("metadata key '" + std::string(key_at(entries_[i]).substr(0, 80)) + "' appears twice");
  if (tensor_count > reader.remaining() / kMinimumTensorBytes)
    file_->fail("header claims " + std::to_string(tensor_count) + " tensors, more than the file can hold");
  tensors_.reserve(tensor_count);
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
  for (GgufTensor& tensor : tensors_) {
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
  by_offset.reserve(tensors_.size());
  for (const GgufTensor& tensor : tensors_) by_offset.push_back(&tensor);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) { return a->name < b->name; });
  for (size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i - 1]->name == by_offset[i]->name) file_->fail("tensor '" + by_offset[i]->name + "' appears twice");
  std::sort(by_offset.begin(), by_offset.end(), [](const auto* a, const auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i - 1]->offset + by_offset[i - 1]->size > by_offset[i]->offset)
      file_->fail("tensors '" + by_offset[i - 1]->name + "' and '" + by_offset[i]->name + "' overlap in the data");
}

GgufValue GgufFile::read_value(ByteReader& reader, uint32_t type, int depth) const {
  switch (type) {
    case kGgufU8: return {uint64_t(reader.read<uint8_t>("value"))};
    case kGgufI8: return {int64_t(reader.read<int8_t>("value"))};
    case kGgufU16: return {uint64_t(reader.read<uint16_t>("value"))};
    case kGgufI16: return {int64_t(reader.read<int16_t>("value"))};
    case kGgufU32: return {uint64_t(reader.read<uint32_t>("value"))};
    case kGgufI32: return {int64_t(reader.read<int32_t>("value"))};
    case kGgufF32: return {double(reader.read<float>("value"))};
    case kGgufBool: return {reader.read<uint8_t>("value") != 0};
    case kGgufString: return {read_string(reader, "string value")};
    case kGgufU64: return {reader.read<uint64_t>("value")};
    case kGgufI64: return {reader.read<int64_t>("value")};
    case kGgufF64: return {reader.read<double>("value")};
    case kGgufArray: {
      if (depth > 0) file_->fail("nested metadata arrays are not supported");
      const uint32_t element_type = reader.read<uint32_t>("array type");
      const uint64_t count = reader.read<uint64_t>("array length");
      if (element_type > kGgufF64) file_->fail("unknown metadata array type " + std::to_string(element_type));
      if (count > reader.remaining() / minimum_size(element_type))
        file_->fail("metadata array of " + std::to_string(count) + " elements is larger than the file");
      const uint64_t first = reader.offset();
      if (element_type == kGgufString || element_type == kGgufArray) {
        // Walked once to check each element's bounds; nothing is kept.
        for (uint64_t i = 0; i < count; ++i) read_value(reader, element_type, depth + 1);
      } else {
        reader.read_bytes(count * minimum_size(element_type), "metadata array");
      }
      return {GgufArray(element_type, count, file_->data() + first, reader.offset() - first)};
    }
  }
  file_->fail("unknown metadata type " + std::to_string(type));
}

std::string_view GgufFile::key_at(uint64_t entry) const {
  const uint8_t* p = file_->data() + entry;
  return {reinterpret_cast<const char*>(p + 8), size_t(load<uint64_t>(p))};
}

std::optional<uint64_t> GgufFile::find(std::string_view key) const {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), key,
                             [&](uint64_t entry, std::string_view k) { return key_at(entry) < k; });
  if (it == entries_.end() || key_at(*it) != key) return std::nullopt;
  return *it + 8 + key.size();
}

GgufValue GgufFile::get(const std::string& key) const {
  const auto at = find(key);
  if (!at) file_->fail("missing metadata key '" + key + "'");
  ByteReader reader(*file_, *at);
  const uint32_t type = reader.read<uint32_t>("metadata type");
  return read_value(reader, type, 0);
}

std::optional<uint64_t> GgufFile::find_uint(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return get_uint(key);
}

std::string GgufFile::get_string(const std::string& key) const {
  const GgufValue v = get(key);
  if (auto* s = std::get_if<std::string_view>(&v.value)) return std::string(*s);
  file_->fail("metadata key '" + key + "' is not a string");
}

uint64_t GgufFile::get_uint(const std::string& key) const {
  const GgufValue v = get(key);
  if (auto* u = std::get_if<uint64_t>(&v.value)) return *u;
  if (auto* i = std::get_if<int64_t>(&v.value); i && *i >= 0) return uint64_t(*i);
  file_->fail("metadata key '" + key + "' is not a non-negative integer");
}

double GgufFile::get_float(const std::string& key) const {
  const GgufValue v = get(key);
  if (auto* d = std::get_if<double>(&v.value)) return *d;
  if (auto* u = std::get_if<uint64_t>(&v.value)) return double(*u);
  file_->fail("metadata key '" + key + "' is not a number");
}

bool GgufFile::get_bool(const std::string& key) const {
  const GgufValue v = get(key);
  if (auto* b = std::get_if<bool>(&v.value)) return *b;
  file_->fail("metadata key '" + key + "' is not a boolean");
}

GgufArray GgufFile::get_array(const std::string& key) const {
  const GgufValue v = get(key);
  if (auto* a = std::get_if<GgufArray>(&v.value)) return *a;
  file_->fail("metadata key '" + key + "' is not an array");
}

double GgufArray::float_at(uint64_t i) const {
  return type_ == kGgufF32 ? double(load<float>(data_ + 4 * i)) : load<double>(data_ + 8 * i);
}

int64_t GgufArray::signed_at(uint64_t i) const {
  switch (type_) {
    case kGgufI8: return load<int8_t>(data_ + i);
    case kGgufI16: return load<int16_t>(data_ + 2 * i);
    case kGgufI32: return load<int32_t>(data_ + 4 * i);
  }
  return load<int64_t>(data_ + 8 * i);
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
