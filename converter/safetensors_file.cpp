#include "safetensors_file.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "json_limits.h"

namespace sprig::convert {

SafetensorsFile::SafetensorsFile(const std::string& path) : file_(std::make_shared<InputFile>(path)) {
  ByteReader reader(*file_);
  const uint64_t header_size = reader.read<uint64_t>("header size");
  if (header_size > reader.remaining() || header_size > (uint64_t(1) << 30))
    file_->fail("header size " + std::to_string(header_size) + " is larger than the file");
  const std::string_view header_text = reader.read_bytes(header_size, "header");
  const uint64_t data_start = reader.offset();
  const uint64_t data_size = file_->size() - data_start;

  const nlohmann::json header = parse_json_text(header_text, path + " (header)");
  if (!header.is_object()) file_->fail("header is not a JSON object");
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = "tensor '" + name + "': ";
    try {
      const std::string dtype = entry.at("dtype").get<std::string>();
      SafetensorsEntry parsed;
      if (dtype == "F32") parsed.type = ElementType::F32;
      else if (dtype == "F16") parsed.type = ElementType::F16;
      else if (dtype == "BF16") parsed.type = ElementType::BF16;
      else file_->fail(where + "dtype " + dtype + " is not supported (F32, F16, BF16 are)");
      uint64_t elements = 1;
      if (!entry.at("shape").is_array()) file_->fail(where + "shape " + json_excerpt(entry.at("shape")) + " is not an array");
      for (const auto& d : entry.at("shape")) {
        if (!d.is_number_unsigned()) file_->fail(where + "malformed shape " + json_excerpt(entry.at("shape")));
        const uint64_t dim = d.get<uint64_t>();
        if (dim == 0 || dim > (uint64_t(1) << 40) || elements > (uint64_t(1) << 40) / dim)
          file_->fail(where + "has an empty or absurd shape");
        elements *= dim;
        parsed.shape.push_back(dim);
      }
      const auto& offsets = entry.at("data_offsets");
      if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
          !offsets[1].is_number_unsigned())
        file_->fail(where + "malformed data_offsets " + json_excerpt(offsets));
      const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
      if (begin > end || end > data_size)
        file_->fail(where + "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                    "] lie outside the " + std::to_string(data_size) + " data bytes");
      if (end - begin != elements * element_size(parsed.type))
        file_->fail(where + "data_offsets span " + std::to_string(end - begin) + " bytes, its shape and dtype need " +
                    std::to_string(elements * element_size(parsed.type)));
      parsed.offset = data_start + begin;
      parsed.size = end - begin;
      entries_.emplace(name, std::move(parsed));
    } catch (const nlohmann::json::exception& e) {
      file_->fail(where + "malformed entry: " + e.what());
    }
  }
  // Two tensors sharing bytes would silently give one of them the other's weights.
  std::vector<std::pair<const SafetensorsEntry*, const std::string*>> by_offset;
  for (const auto& [name, entry] : entries_) by_offset.emplace_back(&entry, &name);
  std::sort(by_offset.begin(), by_offset.end(), [](const auto& a, const auto& b) { return a.first->offset < b.first->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i)
    if (by_offset[i - 1].first->offset + by_offset[i - 1].first->size > by_offset[i].first->offset)
      file_->fail("tensors '" + *by_offset[i - 1].second + "' and '" + *by_offset[i].second + "' overlap in the data");
}

}  // namespace sprig::convert
