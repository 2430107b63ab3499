#include "sprig/tensor_format.h"

namespace sprig {

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::F32: return "f32";
    case DType::F16: return "f16";
    case DType::Q8: return "q8";
    case DType::Q4: return "q4";
    case DType::Q4A: return "q4a";
  }
  return "?";
}

TensorLayout tensor_layout(DType dtype, uint64_t rows, uint64_t cols, uint32_t group) {
  TensorLayout layout;
  if (!is_quantized(dtype)) {
    layout.quant_bytes = rows * cols * (dtype == DType::F16 ? 2 : 4);
    layout.total_bytes = layout.quant_bytes;
    return layout;
  }
  layout.blocks_per_row = (cols + group - 1) / group;
  const uint64_t blocks = rows * layout.blocks_per_row;
  layout.quant_bytes = blocks * (dtype == DType::Q8 ? group : group / 2);
  layout.scales_offset = layout.quant_bytes;
  layout.mins_offset = layout.scales_offset + blocks * 2;
  layout.total_bytes = layout.mins_offset + (dtype == DType::Q4A ? blocks * 2 : 0);
  return layout;
}

}  // namespace sprig
