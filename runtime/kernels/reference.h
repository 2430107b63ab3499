// Portable scalar kernels: the ground truth every SIMD variant is tested against.
// Plain loops in a fixed summation order, so results are reproducible across machines.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sprig::kernels {

// y[r] = sum_c w[r][c] * x[c] for a row-major rows x cols matrix.
void matvec_f32_scalar(const float* w, const float* x, float* y, size_t rows, size_t cols);
void matvec_f16_scalar(const uint16_t* w, const float* x, float* y, size_t rows, size_t cols);

// y = x / sqrt(mean(x^2) + eps) * weight
void rmsnorm_f32_scalar(const float* x, const float* weight, float* y, size_t n, float eps);

// In place, numerically stable (subtracts the maximum). exp is exp_approx (exp_approx.h, no libm)
// and the sum runs in eight lanes, element i into lane i % 8, the lanes then added as
// sum_lanes8_scalar does: the order an 8-wide (or 2 x 4-wide) SIMD loop has, so every kernel set
// gives these bits.
void softmax_f32_scalar(float* x, size_t n);
// ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)): a 256-bit vector's halves added, then pairs.
float sum_lanes8_scalar(const float lanes[8]);

// gate[i] = silu(gate[i]) * up[i], as silu_times_scalar (exp_approx.h's exp).
void swiglu_f32_scalar(float* gate, const float* up, size_t n);

// out[d] = sum_t weights[t] * values[t * stride + d] for d < n; values rows are `stride` apart.
void weighted_sum_f32_scalar(const float* weights, const float* values, float* out, size_t count, size_t n,
                             size_t stride);

float dot_f32_scalar(const float* a, const float* b, size_t n);

// Quantized matrices (layout in sprig/tensor_format.h) multiply activations quantized on the fly
// to int8 in blocks of the same group, so the inner loops are integer dot products.
struct QuantizedWeights {
  const uint8_t* quants;
  const uint16_t* scales;  // f16, rows x blocks_per_row
  const uint16_t* mins;    // f16, q4a only
  size_t rows, cols, blocks_per_row, group;
};

struct QuantizedActivations {
  int8_t* quants;  // blocks x group, the tail of the last block zero
  float* scales;   // per block: x ~= scale * q
  int32_t* sums;   // per block: sum of q, for the q4 offset and the q4a minimum
  size_t blocks, group;
};

// Per block: scale = max|x| / 127, q = round-to-nearest-even(x / scale).
void quantize_activations_scalar(const float* x, size_t n, QuantizedActivations& out);

void matvec_q8_scalar(const QuantizedWeights& w, const QuantizedActivations& x, float* y);

// Two-term activations for q8 weights, so int8 x int8 products do not lose to f32 activations:
// x ~= main.scale * main.q + residual.scale * residual.q, per block. `main` is exactly
// quantize_activations_scalar(x); `residual` is exactly quantize_activations_scalar(r), block by
// block, of the float residual r[i] = fma(-main.scales[b], float(main.quants[i]), x[i]) (a fused
// multiply-add: one rounding; |r| <= main.scale / 2, so the two terms carry about 15 bits).
// The runtime uses these for every q8 matrix (the 4-bit formats keep one term): on stories260K
// they take the q8 model's mean KL divergence from f32 from 0.00092 to 0.00033 with a q8 head,
// 0.00025 with the default f16 head (docs/quantization.md).
void quantize_activations_residual_scalar(const float* x, size_t n, QuantizedActivations& main,
                                          QuantizedActivations& residual);
// y[r] = sum over blocks b, in order, of d * (main.scales[b] * float(dot(wq, main.q)) +
//                                             residual.scales[b] * float(dot(wq, residual.q)))
// with d the block's f16 scale and both dots exact int32: the same weights loaded once, two
// integer dot products (decode is memory-bound, so the second is nearly free in SIMD).
void matvec_q8_residual_scalar(const QuantizedWeights& w, const QuantizedActivations& main,
                               const QuantizedActivations& residual, float* y);
void matvec_q4_scalar(const QuantizedWeights& w, const QuantizedActivations& x, float* y);
void matvec_q4a_scalar(const QuantizedWeights& w, const QuantizedActivations& x, float* y);

// One row of a quantized matrix back to f32 (embedding lookups).
void dequantize_row_q8_scalar(const QuantizedWeights& w, size_t row, float* out);
void dequantize_row_q4_scalar(const QuantizedWeights& w, size_t row, float* out);
void dequantize_row_q4a_scalar(const QuantizedWeights& w, size_t row, float* out);

}  // namespace sprig::kernels
