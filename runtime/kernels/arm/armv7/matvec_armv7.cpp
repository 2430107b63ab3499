// 32-bit Raspberry Pi OS (armv7-a with NEON, Cortex-A7/A53 in AArch32): the matvec kernels that
// carry decode. The armhf baseline already includes NEON (-mfpu=neon-vfpv4), so these files need
// no flags of their own. armv7 has no FCVTNS (round to nearest even), so the activation
// quantization stays scalar; it is one pass over a vector, against a pass over a whole matrix here.
#include "../quantized_rows.h"

namespace sprig::kernels {
namespace {

struct WideningDot {
  static int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) {
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_s8(vget_high_s8(a), vget_high_s8(b)));
  }
};

float dot_f32(const float* w, const float* x, size_t n) {
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 = vfmaq_f32(a0, vld1q_f32(w + i), vld1q_f32(x + i));
    a1 = vfmaq_f32(a1, vld1q_f32(w + i + 4), vld1q_f32(x + i + 4));
  }
  for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, vld1q_f32(w + i), vld1q_f32(x + i));
  const float32x4_t a = vaddq_f32(a0, a1);
  const float32x2_t pairs = vadd_f32(vget_low_f32(a), vget_high_f32(a));
  float sum = vget_lane_f32(vpadd_f32(pairs, pairs), 0);
  for (; i < n; ++i) sum += w[i] * x[i];
  return sum;
}

}  // namespace

void matvec_q8xq8_1x32__armv7(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                              size_t end) {
  matvec_q8_rows<WideningDot>(w, x, y, begin, end);
}

void matvec_q4xq8_1x32__armv7(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                              size_t end) {
  matvec_q4_rows<WideningDot>(w, x, y, begin, end);
}

void matvec_q4axq8_1x32__armv7(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                               size_t end) {
  matvec_q4a_rows<WideningDot>(w, x, y, begin, end);
}

void gemm_q8xq8_1x4__armv7(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                            size_t begin, size_t end) {
  gemm_1x4_rows<WideningDot, Weights::Q8>(w, x, y, y_stride, begin, end);
}

void gemm_q4xq8_1x4__armv7(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                            size_t begin, size_t end) {
  gemm_1x4_rows<WideningDot, Weights::Q4>(w, x, y, y_stride, begin, end);
}

void gemm_q4axq8_1x4__armv7(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                             size_t begin, size_t end) {
  gemm_1x4_rows<WideningDot, Weights::Q4A>(w, x, y, y_stride, begin, end);
}

void matvec_f32_1x8__armv7(const float* w, const float* x, float* y, size_t cols, size_t begin, size_t end) {
  for (size_t r = begin; r < end; ++r) y[r] = dot_f32(w + r * cols, x, cols);
}

void gemm_f32_1x8__armv7(const float* w, const float* x, size_t x_stride, size_t count, float* y, size_t y_stride,
                         size_t cols, size_t begin, size_t end) {
  for (size_t i = 0; i < count; ++i)
    for (size_t r = begin; r < end; ++r) y[i * y_stride + r] = dot_f32(w + r * cols, x + i * x_stride, cols);
}

extern const KernelSet kernel_set_armv7_neon = {
    .name = "armv7_neon",
    .quantize_activations = nullptr,  // nullptr: the registry takes the scalar kernel
    .matvec_q8 = matvec_q8xq8_1x32__armv7,
    .matvec_q4 = matvec_q4xq8_1x32__armv7,
    .matvec_q4a = matvec_q4axq8_1x32__armv7,
    .matvec_f32 = matvec_f32_1x8__armv7,
    .gemm_q8 = gemm_q8xq8_1x4__armv7,
    .gemm_q4 = gemm_q4xq8_1x4__armv7,
    .gemm_q4a = gemm_q4axq8_1x4__armv7,
    .gemm_f32 = gemm_f32_1x8__armv7,
    // f16, attention and the elementwise kernels: left to the scalar set (attention must equal it bit for bit)
};

}  // namespace sprig::kernels
