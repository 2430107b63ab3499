#include "element_types.h"

#include <cstring>

#include "sprig/half.h"

namespace sprig::convert {

const char* element_type_name(ElementType type) {
  switch (type) {
    case ElementType::F32: return "F32";
    case ElementType::F16: return "F16";
    case ElementType::BF16: return "BF16";
  }
  return "?";
}

std::vector<float> decode_elements(const uint8_t* bytes, uint64_t count, ElementType type) {
  std::vector<float> values(count);
  if (type == ElementType::F32) {
    std::memcpy(values.data(), bytes, count * 4);
    return values;
  }
  for (uint64_t i = 0; i < count; ++i) {
    uint16_t half;
    std::memcpy(&half, bytes + 2 * i, 2);
    values[i] = type == ElementType::F16 ? f16_to_f32(half) : bf16_to_f32(half);
  }
  return values;
}

}  // namespace sprig::convert
