// Element types the readers find in checkpoints, decoded to f32 for the writer.
#pragma once

#include <cstdint>
#include <vector>

namespace sprig::convert {

enum class ElementType { F32, F16, BF16 };

inline uint64_t element_size(ElementType type) { return type == ElementType::F32 ? 4 : 2; }
const char* element_type_name(ElementType type);
std::vector<float> decode_elements(const uint8_t* bytes, uint64_t count, ElementType type);

}  // namespace sprig::convert
