// The scalar kernel set: the reference functions behind the KernelSet interface, with row ranges
// and batches expressed as loops over them, so every SIMD set has one ground truth to match.
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

void attention_scores_f32(const float* q, const float* keys, size_t stride, size_t count, size_t head_dim,
                          float scale, float* scores) {
  for (size_t t = 0; t < count; ++t) scores[t] = dot_f32_scalar(q, keys + t * stride, head_dim) * scale;
}

void attention_scores_f16(const float* q, const uint16_t* keys, size_t stride, size_t count, size_t head_dim,
                          float scale, float* scores) {
  for (size_t t = 0; t < count; ++t) {
    const uint16_t* key = keys + t * stride;
    float sum = 0.0f;
    for (size_t d = 0; d < head_dim; ++d) sum += q[d] * f16_to_f32(key[d]);
    scores[t] = sum * scale;
  }
}

void weighted_sum_f32(const float* weights, const float* values, size_t stride, size_t count, size_t head_dim,
                      float* out) {
  weighted_sum_f32_scalar(weights, values, out, count, head_dim, stride);
}

void weighted_sum_f16(const float* weights, const uint16_t* values, size_t stride, size_t count, size_t head_dim,
                      float* out) {
  for (size_t d = 0; d < head_dim; ++d) out[d] = 0.0f;
  for (size_t t = 0; t < count; ++t) {
    const uint16_t* row = values + t * stride;
    for (size_t d = 0; d < head_dim; ++d) out[d] += weights[t] * f16_to_f32(row[d]);
  }
}

}  // namespace

const KernelSet kernel_set_scalar = {
    .name = "scalar",
    .quantize_activations = quantize_activations_scalar,
    .matvec_q8 = matvec_q8,
    .matvec_q4 = matvec_q4,
    .matvec_q4a = matvec_q4a,
    .matvec_f32 = matvec_f32,
    .matvec_f16 = matvec_f16,
    .gemm_q8 = gemm_quantized<matvec_q8>,
    .gemm_q4 = gemm_quantized<matvec_q4>,
    .gemm_q4a = gemm_quantized<matvec_q4a>,
    .gemm_f32 = gemm_float<float, matvec_f32>,
    .gemm_f16 = gemm_float<uint16_t, matvec_f16>,
    .attention_scores_f32 = attention_scores_f32,
    .attention_scores_f16 = attention_scores_f16,
    .weighted_sum_f32 = weighted_sum_f32,
    .weighted_sum_f16 = weighted_sum_f16,
    .attention_scores_q8 = nullptr,
    .weighted_sum_q8 = nullptr,
    .softmax = softmax_f32_scalar,
    .rmsnorm = rmsnorm_f32_scalar,
    .rope_interleaved = rope_interleaved_f32_scalar,
    .swiglu = swiglu_f32_scalar,
};

}  // namespace sprig::kernels
