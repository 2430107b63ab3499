// Quantized matvec and gemm with SDOT (armv8.2-a dot product: Cortex-A55/A76, Raspberry Pi 5,
// most phones): four int8 products summed into each int32 lane in one instruction.
#include "../quantized_rows.h"

namespace sprig::kernels {
namespace {

struct Sdot {
  static int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) { return vdotq_s32(acc, a, b); }
};

}  // namespace

void matvec_q8xq8_1x32__dotprod(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                                size_t end) {
  matvec_q8_rows<Sdot>(w, x, y, begin, end);
}

void matvec_q4xq8_1x32__dotprod(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                                size_t end) {
  matvec_q4_rows<Sdot>(w, x, y, begin, end);
}

void matvec_q4axq8_1x32__dotprod(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                                 size_t end) {
  matvec_q4a_rows<Sdot>(w, x, y, begin, end);
}

void gemm_q8xq8_1x4__dotprod(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                              size_t begin, size_t end) {
  gemm_1x4_rows<Sdot, Weights::Q8>(w, x, y, y_stride, begin, end);
}

void gemm_q4xq8_1x4__dotprod(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                              size_t begin, size_t end) {
  gemm_1x4_rows<Sdot, Weights::Q4>(w, x, y, y_stride, begin, end);
}

void gemm_q4axq8_1x4__dotprod(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                               size_t begin, size_t end) {
  gemm_1x4_rows<Sdot, Weights::Q4A>(w, x, y, y_stride, begin, end);
}

}  // namespace sprig::kernels
