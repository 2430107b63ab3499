#include "gguf_quants.h"

#include <cstring>
#include <stdexcept>

#include "sprig/half.h"

namespace sprig::convert {
namespace {

constexpr uint32_t kQ4_0 = 2, kQ4_1 = 3, kQ8_0 = 8, kQ4_K = 12, kQ6_K = 14;

float half_at(const uint8_t* p) {
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  return f16_to_f32(bits);
}

void q8_0(const uint8_t* block, float* out) {
  const float d = half_at(block);
  for (int i = 0; i < 32; ++i) out[i] = d * float(int8_t(block[2 + i]));
}

void q4_0(const uint8_t* block, float* out) {
  const float d = half_at(block);
  for (int i = 0; i < 16; ++i) {
    out[i] = d * float(int(block[2 + i] & 0xF) - 8);
    out[i + 16] = d * float(int(block[2 + i] >> 4) - 8);
  }
}

void q4_1(const uint8_t* block, float* out) {
  const float d = half_at(block), m = half_at(block + 2);
  for (int i = 0; i < 16; ++i) {
    out[i] = d * float(block[4 + i] & 0xF) + m;
    out[i + 16] = d * float(block[4 + i] >> 4) + m;
  }
}

// Sub-block j's 6-bit scale and min: j < 4 in the low 6 bits of bytes j and j + 4; the others
// split between a nibble of byte j + 4 and the top two bits of bytes j - 4 and j.
void scale_min_k4(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = uint8_t((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
    min = uint8_t((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
  }
}

void q4_k(const uint8_t* block, float* out) {
  const float d = half_at(block), dmin = half_at(block + 2);
  const uint8_t* scales = block + 4;
  const uint8_t* q = block + 16;
  for (int chunk = 0; chunk < 4; ++chunk) {  // 64 values: 32 low nibbles, then 32 high nibbles
    uint8_t sc, m;
    scale_min_k4(2 * chunk, scales, sc, m);
    const float d1 = d * sc, m1 = dmin * m;
    scale_min_k4(2 * chunk + 1, scales, sc, m);
    const float d2 = d * sc, m2 = dmin * m;
    for (int l = 0; l < 32; ++l) {
      out[chunk * 64 + l] = d1 * float(q[l] & 0xF) - m1;
      out[chunk * 64 + 32 + l] = d2 * float(q[l] >> 4) - m2;
    }
    q += 32;
  }
}

void q6_k(const uint8_t* block, float* out) {
  const uint8_t* ql = block;
  const uint8_t* qh = block + 128;
  const int8_t* scales = reinterpret_cast<const int8_t*>(block + 192);
  const float d = half_at(block + 208);
  for (int half = 0; half < 2; ++half) {  // 128 values from 64 ql bytes, 32 qh bytes and 8 scales
    for (int l = 0; l < 32; ++l) {
      const int sub = l / 16;
      const int q1 = int((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = int((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = int((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = int((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      out[l] = d * float(scales[sub]) * float(q1);
      out[l + 32] = d * float(scales[sub + 2]) * float(q2);
      out[l + 64] = d * float(scales[sub + 4]) * float(q3);
      out[l + 96] = d * float(scales[sub + 6]) * float(q4);
    }
    out += 128;
    ql += 64;
    qh += 32;
    scales += 8;
  }
}

}  // namespace

std::optional<GgufQuantType> gguf_quant_type(uint32_t ggml_type) {
  switch (ggml_type) {
    case kQ4_0: return GgufQuantType{"Q4_0", 32, 18};
    case kQ4_1: return GgufQuantType{"Q4_1", 32, 20};
    case kQ8_0: return GgufQuantType{"Q8_0", 32, 34};
    case kQ4_K: return GgufQuantType{"Q4_K", 256, 144};
    case kQ6_K: return GgufQuantType{"Q6_K", 256, 210};
  }
  return std::nullopt;
}

std::vector<float> dequantize_gguf(const uint8_t* bytes, uint64_t count, uint32_t ggml_type) {
  const auto type = gguf_quant_type(ggml_type);
  if (!type || count % type->block_values != 0) throw std::logic_error("dequantize_gguf: bad type or count");
  std::vector<float> out(count);
  for (uint64_t b = 0; b < count / type->block_values; ++b) {
    const uint8_t* block = bytes + b * type->block_bytes;
    float* values = out.data() + b * type->block_values;
    switch (ggml_type) {
      case kQ8_0: q8_0(block, values); break;
      case kQ4_0: q4_0(block, values); break;
      case kQ4_1: q4_1(block, values); break;
      case kQ4_K: q4_k(block, values); break;
      case kQ6_K: q6_k(block, values); break;
    }
  }
  return out;
}

}  // namespace sprig::convert
