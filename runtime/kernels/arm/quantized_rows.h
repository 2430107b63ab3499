// The block loops of the quantized matvec kernels, shared by the ARM sets (aarch64 and armv7) and
// parameterised by the int8 dot product of 16 lanes (NEON widening multiplies, or SDOT). Everything here has
// internal linkage on purpose: each kernel file compiles its own copy with its own -march flags.
// An inline function with external linkage would be merged by the linker with the copy from a
// file built for a newer ISA, and a Cortex-A72 could end up executing that one.
#pragma once

#include <arm_neon.h>

#include "../kernel_set.h"
#if !defined(__aarch64__)
#include "sprig/half.h"
#endif

namespace sprig::kernels {
namespace {

inline int32_t add_lanes(int32x4_t v) {
#if defined(__aarch64__)
  return vaddvq_s32(v);
#else
  const int32x2_t pairs = vadd_s32(vget_low_s32(v), vget_high_s32(v));
  return vget_lane_s32(vpadd_s32(pairs, pairs), 0);
#endif
}

inline float f16_scale(uint16_t bits) {
#if defined(__aarch64__)
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(bits))), 0);
#else
  return f16_to_f32(bits);  // armv7 kernels build with the baseline flags, so sharing it is safe
#endif
}

// Sum of w[i] * x[i] over one block of `group` int8 (a multiple of 32): exact in int32.
template <typename Dot>
inline int32_t block_dot_q8(const int8_t* w, const int8_t* x, size_t group) {
  int32x4_t a0 = vdupq_n_s32(0), a1 = vdupq_n_s32(0);
  for (size_t i = 0; i < group; i += 32) {
    a0 = Dot::dot16(a0, vld1q_s8(w + i), vld1q_s8(x + i));
    a1 = Dot::dot16(a1, vld1q_s8(w + i + 16), vld1q_s8(x + i + 16));
  }
  return add_lanes(vaddq_s32(a0, a1));
}

// The same for nibble * x over one 4-bit block: byte j holds element j (low nibble) and
// j + group/2 (high nibble), so one mask and one shift give two runs of 16 consecutive elements.
template <typename Dot>
inline int32_t block_dot_q4(const uint8_t* w, const int8_t* x, size_t group) {
  const size_t half = group / 2;
  const uint8x16_t low_mask = vdupq_n_u8(0x0f);
  int32x4_t a0 = vdupq_n_s32(0), a1 = vdupq_n_s32(0);
  for (size_t j = 0; j < half; j += 16) {
    const uint8x16_t bytes = vld1q_u8(w + j);
    a0 = Dot::dot16(a0, vreinterpretq_s8_u8(vandq_u8(bytes, low_mask)), vld1q_s8(x + j));
    a1 = Dot::dot16(a1, vreinterpretq_s8_u8(vshrq_n_u8(bytes, 4)), vld1q_s8(x + half + j));
  }
  return add_lanes(vaddq_s32(a0, a1));
}

// One block's contribution to a row's sum, in the scalar reference's operations and order, so
// the result is the reference's bit for bit (kernel_set.h: the exactness every set keeps; the
// build has -ffp-contract=off, so nothing here is fused into an FMA).
inline float block_term_q8(float weight_scale, float x_scale, int32_t dot) {
  return weight_scale * x_scale * float(dot);
}
inline float block_term_q4(float weight_scale, float x_scale, int32_t dot, int32_t x_sum) {
  return weight_scale * x_scale * float(dot - 8 * x_sum);  // the stored nibble is q + 8
}
inline float block_term_q4a(float weight_scale, float minimum, float x_scale, int32_t dot, int32_t x_sum) {
  return x_scale * (weight_scale * float(dot) + minimum * float(x_sum));
}

// Rows [begin, end) of y = W x for the three weight types: exact integer block dots, then the
// blocks summed in order as the reference does.
template <typename Dot>
void matvec_q8_rows(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin, size_t end) {
  const int8_t* quants = reinterpret_cast<const int8_t*>(w.quants);
  for (size_t r = begin; r < end; ++r) {
    float sum = 0.0f;
    for (size_t b = 0; b < w.blocks_per_row; ++b) {
      const size_t block = r * w.blocks_per_row + b;
      const int32_t dot = block_dot_q8<Dot>(quants + block * w.group, x.quants + b * w.group, w.group);
      sum += block_term_q8(f16_scale(w.scales[block]), x.scales[b], dot);
    }
    y[r] = sum;
  }
}

template <typename Dot>
void matvec_q4_rows(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin, size_t end) {
  for (size_t r = begin; r < end; ++r) {
    float sum = 0.0f;
    for (size_t b = 0; b < w.blocks_per_row; ++b) {
      const size_t block = r * w.blocks_per_row + b;
      const int32_t dot = block_dot_q4<Dot>(w.quants + block * w.group / 2, x.quants + b * w.group, w.group);
      sum += block_term_q4(f16_scale(w.scales[block]), x.scales[b], dot, x.sums[b]);
    }
    y[r] = sum;
  }
}

template <typename Dot>
void matvec_q4a_rows(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin, size_t end) {
  for (size_t r = begin; r < end; ++r) {
    float sum = 0.0f;
    for (size_t b = 0; b < w.blocks_per_row; ++b) {
      const size_t block = r * w.blocks_per_row + b;
      const int32_t dot = block_dot_q4<Dot>(w.quants + block * w.group / 2, x.quants + b * w.group, w.group);
      sum += block_term_q4a(f16_scale(w.scales[block]), f16_scale(w.mins[block]), x.scales[b], dot, x.sums[b]);
    }
    y[r] = sum;
  }
}

// Vector i of a batch, without QuantizedBatch::row (an inline function with external linkage).
inline QuantizedActivations batch_row(const QuantizedBatch& x, size_t i) {
  return {x.quants + i * x.blocks * x.group, x.scales + i * x.blocks, x.sums + i * x.blocks, x.blocks, x.group};
}

enum class Weights { Q8, Q4, Q4A };

template <typename Dot, Weights kind>
void matvec_rows(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin, size_t end) {
  if constexpr (kind == Weights::Q8) matvec_q8_rows<Dot>(w, x, y, begin, end);
  if constexpr (kind == Weights::Q4) matvec_q4_rows<Dot>(w, x, y, begin, end);
  if constexpr (kind == Weights::Q4A) matvec_q4a_rows<Dot>(w, x, y, begin, end);
}

// The batched (prefill) form, 1 row x 4 vectors: each 16-byte run of weights is loaded (and its
// nibbles unpacked) once for four tokens. A remainder of 1-3 vectors goes through matvec_rows.
template <typename Dot, Weights kind>
void gemm_1x4_rows(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t begin,
                   size_t end) {
  const size_t block_bytes = kind == Weights::Q8 ? w.group : w.group / 2, half = w.group / 2;
  const size_t vector_elements = x.blocks * x.group;
  const uint8x16_t low_mask = vdupq_n_u8(0x0f);
  size_t i = 0;
  for (; i + 4 <= x.count; i += 4) {
    const int8_t* xq = x.quants + i * vector_elements;
    const float* xs = x.scales + i * x.blocks;
    const int32_t* xsum = x.sums + i * x.blocks;
    for (size_t r = begin; r < end; ++r) {
      float sum[4] = {0.0f, 0.0f, 0.0f, 0.0f};
      for (size_t b = 0; b < w.blocks_per_row; ++b) {
        const size_t block = r * w.blocks_per_row + b;
        const uint8_t* wb = w.quants + block * block_bytes;
        int32x4_t acc[4] = {vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0), vdupq_n_s32(0)};
        if constexpr (kind == Weights::Q8) {
          for (size_t k = 0; k < w.group; k += 16) {
            const int8x16_t wv = vld1q_s8(reinterpret_cast<const int8_t*>(wb) + k);
            for (size_t v = 0; v < 4; ++v)
              acc[v] = Dot::dot16(acc[v], wv, vld1q_s8(xq + v * vector_elements + b * x.group + k));
          }
        } else {
          for (size_t j = 0; j < half; j += 16) {
            const uint8x16_t bytes = vld1q_u8(wb + j);
            const int8x16_t low = vreinterpretq_s8_u8(vandq_u8(bytes, low_mask));
            const int8x16_t high = vreinterpretq_s8_u8(vshrq_n_u8(bytes, 4));
            for (size_t v = 0; v < 4; ++v) {
              const int8_t* xb = xq + v * vector_elements + b * x.group;
              acc[v] = Dot::dot16(Dot::dot16(acc[v], low, vld1q_s8(xb + j)), high, vld1q_s8(xb + half + j));
            }
          }
        }
        const float d = f16_scale(w.scales[block]);
        for (size_t v = 0; v < 4; ++v) {
          const int32_t dot = add_lanes(acc[v]);
          const float x_scale = xs[v * x.blocks + b];
          if constexpr (kind == Weights::Q8) sum[v] += block_term_q8(d, x_scale, dot);
          if constexpr (kind == Weights::Q4) sum[v] += block_term_q4(d, x_scale, dot, xsum[v * x.blocks + b]);
          if constexpr (kind == Weights::Q4A)
            sum[v] += block_term_q4a(d, f16_scale(w.mins[block]), x_scale, dot, xsum[v * x.blocks + b]);
        }
      }
      for (size_t v = 0; v < 4; ++v) y[(i + v) * y_stride + r] = sum[v];
    }
  }
  for (; i < x.count; ++i) matvec_rows<Dot, kind>(w, batch_row(x, i), y + i * y_stride, begin, end);
}

}  // namespace
}  // namespace sprig::kernels
