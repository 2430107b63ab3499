#include "../attention.h"

#include <algorithm>
#include <cmath>

#include "../int8_range.h"
#include "sprig/half.h"

namespace sprig::kernels {

void attention_scores_f32_scalar(const float* q, const float* keys, size_t stride, size_t count, size_t head_dim,
                                 float scale, float* scores) {
  for (size_t t = 0; t < count; ++t) {
    const float* key = keys + t * stride;
    float sum = 0.0f;
    for (size_t i = 0; i < head_dim; ++i) sum += q[i] * key[i];
    scores[t] = sum * scale;
  }
}

void attention_scores_f16_scalar(const float* q, const uint16_t* keys, size_t stride, size_t count, size_t head_dim,
                                 float scale, float* scores) {
  for (size_t t = 0; t < count; ++t) {
    const uint16_t* key = keys + t * stride;
    float sum = 0.0f;
    for (size_t i = 0; i < head_dim; ++i) sum += q[i] * f16_to_f32(key[i]);
    scores[t] = sum * scale;
  }
}

void attention_scores_int8_scalar(const float* q, const int8_t* keys, size_t stride, const float* key_scales,
                                  size_t scale_stride, size_t count, size_t head_dim, float scale, float* scores) {
  for (size_t t = 0; t < count; ++t) {
    const int8_t* key = keys + t * stride;
    float sum = 0.0f;
    for (size_t i = 0; i < head_dim; ++i) sum += q[i] * float(key[i]);
    scores[t] = sum * key_scales[t * scale_stride] * scale;
  }
}

void attention_values_f32_scalar(const float* weights, const float* values, size_t stride, size_t count,
                                 size_t head_dim, float* out) {
  for (size_t d = 0; d < head_dim; ++d) out[d] = 0.0f;
  for (size_t t = 0; t < count; ++t) {
    const float* row = values + t * stride;
    for (size_t d = 0; d < head_dim; ++d) out[d] += weights[t] * row[d];
  }
}

void attention_values_f16_scalar(const float* weights, const uint16_t* values, size_t stride, size_t count,
                                 size_t head_dim, float* out) {
  for (size_t d = 0; d < head_dim; ++d) out[d] = 0.0f;
  for (size_t t = 0; t < count; ++t) {
    const uint16_t* row = values + t * stride;
    for (size_t d = 0; d < head_dim; ++d) out[d] += weights[t] * f16_to_f32(row[d]);
  }
}

void attention_values_int8_scalar(const float* weights, const int8_t* values, size_t stride, const float* value_scales,
                                  size_t scale_stride, size_t count, size_t head_dim, float* out) {
  for (size_t d = 0; d < head_dim; ++d) out[d] = 0.0f;
  for (size_t t = 0; t < count; ++t) {
    const int8_t* row = values + t * stride;
    const float weight = weights[t] * value_scales[t * scale_stride];
    for (size_t d = 0; d < head_dim; ++d) out[d] += weight * float(row[d]);
  }
}

void kv_store_f16_scalar(const float* x, uint16_t* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = f32_to_f16(x[i]);
}

void kv_load_f16_scalar(const uint16_t* row, float* out, size_t n) {
  for (size_t i = 0; i < n; ++i) out[i] = f16_to_f32(row[i]);
}

void kv_store_int8_scalar(const float* x, size_t heads, size_t head_dim, int8_t* out, float* scales) {
  for (size_t h = 0; h < heads; ++h) {
    const float* v = x + h * head_dim;
    float max_abs = 0.0f;
    for (size_t i = 0; i < head_dim; ++i) max_abs = std::max(max_abs, std::fabs(v[i]));
    const float scale = max_abs / 127.0f;
    const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
    for (size_t i = 0; i < head_dim; ++i) out[h * head_dim + i] = int8_t(std::nearbyint(int8_range(v[i] * inverse)));
    scales[h] = scale;
  }
}

void kv_load_int8_scalar(const int8_t* row, const float* scales, size_t heads, size_t head_dim, float* out) {
  for (size_t h = 0; h < heads; ++h)
    for (size_t i = 0; i < head_dim; ++i) out[h * head_dim + i] = scales[h] * float(row[h * head_dim + i]);
}

}  // namespace sprig::kernels
