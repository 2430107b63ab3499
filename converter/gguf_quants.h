// GGUF's block-quantized tensor types, dequantized to f32 so the writer can store them in
// sprig's own formats. Layouts follow ggml's block definitions (ggml-common.h):
//   Q8_0 (type 8):  32 values: f16 d, int8 q[32];                      x = d * q
//   Q4_0 (type 2):  32 values: f16 d, u8 q[16] (low nibbles first);   x = d * (q - 8)
//   Q4_1 (type 3):  32 values: f16 d, f16 m, u8 q[16] (low nibbles first); x = d * q + m
//   Q4_K (type 12): 256 values: f16 d, f16 dmin, u8 scales[12] (6-bit scale and min per 32),
//                   u8 q[128];                                        x = d * sc * q - dmin * m
//   Q6_K (type 14): 256 values: u8 ql[128], u8 qh[64], int8 scales[16], f16 d;
//                                                                     x = d * scale * (q - 32)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sprig::convert {

struct GgufQuantType {
  const char* name;
  uint64_t block_values;  // values per block
  uint64_t block_bytes;
};

// The block layout of a quantized ggml type id, or nullopt for types that are not one of these five.
std::optional<GgufQuantType> gguf_quant_type(uint32_t ggml_type);

// `count` must be a whole number of blocks; `bytes` holds count / block_values blocks.
std::vector<float> dequantize_gguf(const uint8_t* bytes, uint64_t count, uint32_t ggml_type);

}  // namespace sprig::convert
