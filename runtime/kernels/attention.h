// Scalar attention over the KV cache, one kernel per cache dtype (f32, f16, int8), and the
// conversions that store a row into the cache. SIMD variants implement the same signatures and
// are tested against these.
//
// A cache row holds one position's keys (or values) for all kv heads; a kernel reads one head of
// `count` consecutive positions, rows `stride` elements apart. int8 rows carry one f32 scale per
// position per kv head (x ~= scale * q), `scale_stride` floats apart.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sprig::kernels {

// scores[t] = dot(q, key_t) * scale for t < count
void attention_scores_f32_scalar(const float* q, const float* keys, size_t stride, size_t count, size_t head_dim,
                                 float scale, float* scores);
void attention_scores_f16_scalar(const float* q, const uint16_t* keys, size_t stride, size_t count, size_t head_dim,
                                 float scale, float* scores);
void attention_scores_int8_scalar(const float* q, const int8_t* keys, size_t stride, const float* key_scales,
                                  size_t scale_stride, size_t count, size_t head_dim, float scale, float* scores);

// out[d] = sum_t weights[t] * value_t[d] for d < head_dim
void attention_values_f32_scalar(const float* weights, const float* values, size_t stride, size_t count,
                                 size_t head_dim, float* out);
void attention_values_f16_scalar(const float* weights, const uint16_t* values, size_t stride, size_t count,
                                 size_t head_dim, float* out);
void attention_values_int8_scalar(const float* weights, const int8_t* values, size_t stride, const float* value_scales,
                                  size_t scale_stride, size_t count, size_t head_dim, float* out);

// One cache row in and out: n floats to f16 (round to nearest even), or `heads` groups of
// head_dim floats to int8 with one scale each (max|x| / 127, round to nearest even).
void kv_store_f16_scalar(const float* x, uint16_t* out, size_t n);
void kv_load_f16_scalar(const uint16_t* row, float* out, size_t n);
void kv_store_int8_scalar(const float* x, size_t heads, size_t head_dim, int8_t* out, float* scales);
void kv_load_int8_scalar(const int8_t* row, const float* scales, size_t heads, size_t head_dim, float* out);

}  // namespace sprig::kernels
