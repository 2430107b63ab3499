// The int8 matrix-multiply set (armv8.6-a SMMLA): the dot-product set with SMMLA for the batched
// (prefill) GEMMs. One instruction multiplies a 2x8 int8 tile of two weight rows by the 8
// matching elements of two activation vectors into a 2x2 int32 tile, twice the multiplies per
// instruction of SDOT. A last odd row or vector goes through the SDOT kernels (every i8mm CPU has
// SDOT; the registry offers this set only where the CPU has both). Each of the four lanes repeats
// the scalar reference's float operations for its (row, token) in block order, as separate
// multiplies and adds, so the results equal the reference bit for bit.
#include "../dot_sdot.inl"
#include "../bodies_arm.inl"

namespace sprig::kernels {
namespace {

inline int8x16_t pair8(const int8_t* a, const int8_t* b) { return vcombine_s8(vld1_s8(a), vld1_s8(b)); }

// int32 lanes [r0.x0, r0.x1, r1.x0, r1.x1] of one block: SMMLA's 2x2 tile, row-major.
template <Weights kind>
inline int32x4_t block_tile(const uint8_t* w0, const uint8_t* w1, const int8_t* x0, const int8_t* x1, size_t group) {
  int32x4_t acc = vdupq_n_s32(0);
  if constexpr (kind == Weights::Q8) {
    const int8_t* a = reinterpret_cast<const int8_t*>(w0);
    const int8_t* b = reinterpret_cast<const int8_t*>(w1);
    for (size_t k = 0; k < group; k += 16) {
      acc = vmmlaq_s32(acc, pair8(a + k, b + k), pair8(x0 + k, x1 + k));
      acc = vmmlaq_s32(acc, pair8(a + k + 8, b + k + 8), pair8(x0 + k + 8, x1 + k + 8));
    }
  } else {
    const size_t half = group / 2;
    const uint8x16_t low_mask = vdupq_n_u8(0x0f);
    for (size_t j = 0; j < half; j += 8) {
      const uint8x16_t bytes = vcombine_u8(vld1_u8(w0 + j), vld1_u8(w1 + j));
      acc = vmmlaq_s32(acc, vreinterpretq_s8_u8(vandq_u8(bytes, low_mask)), pair8(x0 + j, x1 + j));
      acc = vmmlaq_s32(acc, vreinterpretq_s8_u8(vshrq_n_u8(bytes, 4)), pair8(x0 + half + j, x1 + half + j));
    }
  }
  return acc;
}

// Two rows x two vectors per step; with a residual batch (q8 only) each block tile is taken with
// both terms and combined as d * (xs * dot + rs * residual_dot).
template <Weights kind, bool two_terms>
void gemm_2x2_rows(const QuantizedWeights& w, const QuantizedBatch& x, const QuantizedBatch* residual, float* y,
                   size_t y_stride, size_t begin, size_t end) {
  const size_t bytes = block_bytes(kind, w.group), vector_elements = x.blocks * x.group;
  size_t i = 0;
  for (; i + 2 <= x.count; i += 2) {
    const int8_t* x0 = x.quants + i * vector_elements;
    const int8_t* x1 = x0 + vector_elements;
    const float *s0 = x.scales + i * x.blocks, *s1 = s0 + x.blocks;
    const int32_t *sum0 = x.sums + i * x.blocks, *sum1 = sum0 + x.blocks;
    float* y0 = y + i * y_stride;
    float* y1 = y0 + y_stride;
    size_t r = begin;
    for (; r + 2 <= end; r += 2) {
      float32x4_t sum = vdupq_n_f32(0.0f);
      for (size_t b = 0; b < w.blocks_per_row; ++b) {
        const size_t block0 = r * w.blocks_per_row + b, block1 = block0 + w.blocks_per_row;
        const uint8_t *w0 = w.quants + block0 * bytes, *w1 = w.quants + block1 * bytes;
        const int32x4_t dot = block_tile<kind>(w0, w1, x0 + b * x.group, x1 + b * x.group, w.group);
        const float d0 = f16_scale(w.scales[block0]), d1 = f16_scale(w.scales[block1]);
        const float32x4_t weight_scale = {d0, d0, d1, d1};
        const float32x4_t x_scale = {s0[b], s1[b], s0[b], s1[b]};
        if constexpr (two_terms) {
          const int8_t* r0 = residual->quants + i * vector_elements + b * x.group;
          const int32x4_t residual_dot = block_tile<kind>(w0, w1, r0, r0 + vector_elements, w.group);
          const float *rs0 = residual->scales + i * x.blocks, *rs1 = rs0 + x.blocks;
          const float32x4_t residual_scale = {rs0[b], rs1[b], rs0[b], rs1[b]};
          const float32x4_t inner = vaddq_f32(vmulq_f32(x_scale, vcvtq_f32_s32(dot)),
                                              vmulq_f32(residual_scale, vcvtq_f32_s32(residual_dot)));
          sum = vaddq_f32(sum, vmulq_f32(weight_scale, inner));
        } else if constexpr (kind == Weights::Q8) {
          sum = vaddq_f32(sum, vmulq_f32(vmulq_f32(weight_scale, x_scale), vcvtq_f32_s32(dot)));
        } else {
          const int32x4_t x_sums = {sum0[b], sum1[b], sum0[b], sum1[b]};
          if constexpr (kind == Weights::Q4) {
            const int32x4_t centred = vsubq_s32(dot, vshlq_n_s32(x_sums, 3));  // stored nibble is q + 8
            sum = vaddq_f32(sum, vmulq_f32(vmulq_f32(weight_scale, x_scale), vcvtq_f32_s32(centred)));
          } else {
            const float m0 = f16_scale(w.mins[block0]), m1 = f16_scale(w.mins[block1]);
            const float32x4_t mins = {m0, m0, m1, m1};
            const float32x4_t inner =
                vaddq_f32(vmulq_f32(weight_scale, vcvtq_f32_s32(dot)), vmulq_f32(mins, vcvtq_f32_s32(x_sums)));
            sum = vaddq_f32(sum, vmulq_f32(x_scale, inner));
          }
        }
      }
      y0[r] = vgetq_lane_f32(sum, 0);
      y1[r] = vgetq_lane_f32(sum, 1);
      y0[r + 1] = vgetq_lane_f32(sum, 2);
      y1[r + 1] = vgetq_lane_f32(sum, 3);
    }
    if (r < end) rows_times_vectors<kind, 2, two_terms>(w, x, residual, i, y, y_stride, r, end);
  }
  if (i < x.count) rows_times_vectors<kind, 1, two_terms>(w, x, residual, i, y, y_stride, begin, end);
}

template <Weights kind>
void gemm_2x2(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t begin,
              size_t end) {
  gemm_2x2_rows<kind, false>(w, x, nullptr, y, y_stride, begin, end);
}

void q8_residual_gemm_2x2(const QuantizedWeights& w, const QuantizedBatch& x, const QuantizedBatch& residual, float* y,
                          size_t y_stride, size_t begin, size_t end) {
  gemm_2x2_rows<Weights::Q8, true>(w, x, &residual, y, y_stride, begin, end);
}

}  // namespace
}  // namespace sprig::kernels

#define SPRIG_ARM_SET_SYMBOL kernel_set_arm_i8mm
#define SPRIG_ARM_SET_NAME "arm_i8mm"
#define SPRIG_ARM_GEMM gemm_2x2
#define SPRIG_ARM_GEMM_Q8_RESIDUAL q8_residual_gemm_2x2
#include "../set_arm.inl"
