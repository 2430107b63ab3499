// The scalar kernel set: the reference functions behind the KernelSet interface, with row ranges
// and batches expressed as loops over them, so every SIMD set has one ground truth to match.
#include "../attention.h"
#include "../kernel_set.h"
#include "sprig/half.h"

namespace sprig::kernels {
namespace {

// The rows [begin, end) of a 4-bit matrix as a matrix of its own.
QuantizedWeights row_slice_4bit(const QuantizedWeights& w, size_t begin, size_t end) {
  QuantizedWeights slice = w;
  slice.quants = w.quants + begin * w.blocks_per_row * (w.group / 2);
  slice.scales = w.scales + begin * w.blocks_per_row;
  slice.mins = w.mins ? w.mins + begin * w.blocks_per_row : nullptr;
  slice.rows = end - begin;
  return slice;
}

void matvec_q8(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin, size_t end) {
  QuantizedWeights slice = w;
  slice.quants = w.quants + begin * w.blocks_per_row * w.group;
  slice.scales = w.scales + begin * w.blocks_per_row;
  slice.rows = end - begin;
  matvec_q8_scalar(slice, x, y + begin);
}

void matvec_q8_residual(const QuantizedWeights& w, const QuantizedActivations& x, const QuantizedActivations& residual,
                        float* y, size_t begin, size_t end) {
  QuantizedWeights slice = w;
  slice.quants = w.quants + begin * w.blocks_per_row * w.group;
  slice.scales = w.scales + begin * w.blocks_per_row;
  slice.rows = end - begin;
  matvec_q8_residual_scalar(slice, x, residual, y + begin);
}

void gemm_q8_residual(const QuantizedWeights& w, const QuantizedBatch& x, const QuantizedBatch& residual, float* y,
                      size_t y_stride, size_t begin, size_t end) {
  for (size_t i = 0; i < x.count; ++i) matvec_q8_residual(w, x.row(i), residual.row(i), y + i * y_stride, begin, end);
}

void matvec_q4(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin, size_t end) {
  matvec_q4_scalar(row_slice_4bit(w, begin, end), x, y + begin);
}

void matvec_q4a(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin, size_t end) {
  matvec_q4a_scalar(row_slice_4bit(w, begin, end), x, y + begin);
}

void matvec_f32(const float* w, const float* x, float* y, size_t cols, size_t begin, size_t end) {
  matvec_f32_scalar(w + begin * cols, x, y + begin, end - begin, cols);
}

void matvec_f16(const uint16_t* w, const float* x, float* y, size_t cols, size_t begin, size_t end) {
  matvec_f16_scalar(w + begin * cols, x, y + begin, end - begin, cols);
}

template <auto matvec>
void gemm_quantized(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t begin,
                    size_t end) {
  for (size_t i = 0; i < x.count; ++i) matvec(w, x.row(i), y + i * y_stride, begin, end);
}

template <typename T, auto matvec>
void gemm_float(const T* w, const float* x, size_t x_stride, size_t count, float* y, size_t y_stride, size_t cols,
                size_t begin, size_t end) {
  for (size_t i = 0; i < count; ++i) matvec(w, x + i * x_stride, y + i * y_stride, cols, begin, end);
}

}  // namespace

const KernelSet kernel_set_scalar = {
    .name = "scalar",
    .quantize_activations = quantize_activations_scalar,
    .quantize_activations_residual = quantize_activations_residual_scalar,
    .matvec_q8 = matvec_q8,
    .matvec_q4 = matvec_q4,
    .matvec_q4a = matvec_q4a,
    .matvec_f32 = matvec_f32,
    .matvec_f16 = matvec_f16,
    .gemm_q8 = gemm_quantized<matvec_q8>,
    .gemm_q4 = gemm_quantized<matvec_q4>,
    .gemm_q4a = gemm_quantized<matvec_q4a>,
    .matvec_q8_residual = matvec_q8_residual,
    .gemm_q8_residual = gemm_q8_residual,
    .gemm_f32 = gemm_float<float, matvec_f32>,
    .gemm_f16 = gemm_float<uint16_t, matvec_f16>,
    .attention_scores_f32 = attention_scores_f32_scalar,
    .attention_scores_f16 = attention_scores_f16_scalar,
    .weighted_sum_f32 = attention_values_f32_scalar,
    .weighted_sum_f16 = attention_values_f16_scalar,
    .attention_scores_int8 = attention_scores_int8_scalar,
    .weighted_sum_int8 = attention_values_int8_scalar,
    .softmax = softmax_f32_scalar,
    .kv_store_f16 = kv_store_f16_scalar,
    .rmsnorm = rmsnorm_f32_scalar,
    .swiglu = swiglu_f32_scalar,
};

}  // namespace sprig::kernels
