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

// Rotates interleaved pairs (v[2i], v[2i+1]) of each head by pos * theta^(-2i/head_dim).
void rope_interleaved_f32_scalar(float* v, size_t n_heads, size_t head_dim, size_t pos, float theta);

// In place, numerically stable (subtracts the maximum).
void softmax_f32_scalar(float* x, size_t n);

// gate[i] = silu(gate[i]) * up[i]
void swiglu_f32_scalar(float* gate, const float* up, size_t n);

// out[d] = sum_t weights[t] * values[t * stride + d] for d < n; values rows are `stride` apart.
void weighted_sum_f32_scalar(const float* weights, const float* values, float* out, size_t count, size_t n,
                             size_t stride);

float dot_f32_scalar(const float* a, const float* b, size_t n);

}  // namespace sprig::kernels
