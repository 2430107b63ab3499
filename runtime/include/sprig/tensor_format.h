// How a tensor's elements are laid out in the model file, for every dtype. The converter writes
// and the runtime reads through this one definition.
//
// Quantized matrices (weight-only, per row, in blocks of `group` consecutive columns; a row whose
// length is not a multiple of the group ends in a zero-padded block):
//   quants  rows x blocks x group int8 (q8), or rows x blocks x group/2 bytes (q4, q4a), where
//           byte j of a 4-bit block holds element j in its low nibble and element j + group/2 in
//           its high nibble, so SIMD code unpacks a block with one mask and one shift;
//   scales  rows x blocks f16;
//   mins    rows x blocks f16 (q4a only).
// Values: q8 w = d * q, q in [-127, 127]; q4 w = d * (n - 8), nibble n in [0, 15];
//         q4a w = d * n + m, nibble n in [0, 15]. d may be negative (q4: the converter's search
//         puts a block's largest magnitude on the -8 side whatever its sign).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sprig {

enum class DType : uint8_t { F32 = 0, F16 = 1, Q8 = 2, Q4 = 3, Q4A = 4 };

inline bool is_quantized(DType dtype) { return dtype == DType::Q8 || dtype == DType::Q4 || dtype == DType::Q4A; }
inline bool is_valid_group(uint32_t group) { return group == 32 || group == 64 || group == 128; }
const char* dtype_name(DType dtype);

struct TensorLayout {
  uint64_t blocks_per_row = 0;  // quantized only
  uint64_t quant_bytes = 0;     // the quants section, or all elements for f32/f16
  uint64_t scales_offset = 0;
  uint64_t mins_offset = 0;
  uint64_t total_bytes = 0;
};

// `group` is ignored for f32/f16. Vectors are one row.
TensorLayout tensor_layout(DType dtype, uint64_t rows, uint64_t cols, uint32_t group);

}  // namespace sprig
