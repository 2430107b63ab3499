// Activations to int8 per block, bit for bit the scalar result: the same max|x| / 127 scale, the
// same single-precision product x * (1 / scale), rounded to nearest even by FCVTNS as nearbyint
// does in the default rounding mode.
#include <arm_neon.h>

#include "../../kernel_set.h"

namespace sprig::kernels {

void quantize_activations_1x16__neon(const float* x, size_t n, QuantizedActivations& out) {
  for (size_t b = 0; b < out.blocks; ++b) {
    const size_t begin = b * out.group;
    const size_t end = n < begin + out.group ? n : begin + out.group;
    const size_t count = end > begin ? end - begin : 0;
    const float* xb = x + begin;

    float32x4_t max4 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 4 <= count; i += 4) max4 = vmaxq_f32(max4, vabsq_f32(vld1q_f32(xb + i)));
    float max_abs = vmaxvq_f32(max4);
    for (; i < count; ++i) max_abs = max_abs > __builtin_fabsf(xb[i]) ? max_abs : __builtin_fabsf(xb[i]);

    const float scale = max_abs / 127.0f;
    const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
    int8_t* q = out.quants + begin;
    int32x4_t sum4 = vdupq_n_s32(0);
    i = 0;
    for (; i + 16 <= count; i += 16) {
      const int32x4_t q0 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(xb + i), inverse));
      const int32x4_t q1 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(xb + i + 4), inverse));
      const int32x4_t q2 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(xb + i + 8), inverse));
      const int32x4_t q3 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(xb + i + 12), inverse));
      sum4 = vaddq_s32(vaddq_s32(sum4, vaddq_s32(q0, q1)), vaddq_s32(q2, q3));
      const int16x8_t low = vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1));
      const int16x8_t high = vcombine_s16(vqmovn_s32(q2), vqmovn_s32(q3));
      vst1q_s8(q + i, vcombine_s8(vqmovn_s16(low), vqmovn_s16(high)));
    }
    int32_t sum = vaddvq_s32(sum4);
    for (; i < count; ++i) {
      const int32_t value = vcvtns_s32_f32(xb[i] * inverse);
      q[i] = int8_t(value);
      sum += value;
    }
    for (; i < out.group; ++i) q[i] = 0;  // the tail of the last block
    out.scales[b] = scale;
    out.sums[b] = sum;
  }
}

}  // namespace sprig::kernels
