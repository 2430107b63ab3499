// Quantized matvec and gemm for armv8-a without the dot product extension (Cortex-A72,
// Raspberry Pi 4): int8 products widened to int16 by SMULL, pairwise added into int32 by SADALP.
// Every product fits int16 (|w|, |x| <= 128), so the sums are exact, as the scalar ones are.
#include "../quantized_rows.h"

namespace sprig::kernels {
namespace {

struct WideningDot {
  static int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) {
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_high_s8(a, b));
  }
};

}  // namespace

void matvec_q8xq8_1x32__neon(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                             size_t end) {
  matvec_q8_rows<WideningDot>(w, x, y, begin, end);
}

void matvec_q4xq8_1x32__neon(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                             size_t end) {
  matvec_q4_rows<WideningDot>(w, x, y, begin, end);
}

void matvec_q4axq8_1x32__neon(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                              size_t end) {
  matvec_q4a_rows<WideningDot>(w, x, y, begin, end);
}

// The batched form: each weight run loaded once for four tokens.
void gemm_q8xq8_1x4__neon(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                           size_t begin, size_t end) {
  gemm_1x4_rows<WideningDot, Weights::Q8>(w, x, y, y_stride, begin, end);
}

void gemm_q4xq8_1x4__neon(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                           size_t begin, size_t end) {
  gemm_1x4_rows<WideningDot, Weights::Q4>(w, x, y, y_stride, begin, end);
}

void gemm_q4axq8_1x4__neon(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                            size_t begin, size_t end) {
  gemm_1x4_rows<WideningDot, Weights::Q4A>(w, x, y, y_stride, begin, end);
}

}  // namespace sprig::kernels
