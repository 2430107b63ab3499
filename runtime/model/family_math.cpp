#include "model/family_math.h"

#include <cmath>

namespace sprig::family {
namespace {

const float* f32(const TensorView& t) { return static_cast<const float*>(t.data); }

float gelu_tanh(float x) {
  constexpr float kSqrt2OverPi = 0.7978845608028654f;
  return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
}

}  // namespace

void normalize(NormKind kind, const float* x, const TensorView& weight, const TensorView& bias, float* y, size_t n,
               float eps) {
  const float* w = f32(weight);
  if (kind == NormKind::RmsNorm) {
    float sum_squares = 0.0f;
    for (size_t i = 0; i < n; ++i) sum_squares += x[i] * x[i];
    const float scale = 1.0f / std::sqrt(sum_squares / float(n) + eps);
    for (size_t i = 0; i < n; ++i) y[i] = w[i] * (scale * x[i]);
    return;
  }
  float mean = 0.0f;
  for (size_t i = 0; i < n; ++i) mean += x[i];
  mean /= float(n);
  float variance = 0.0f;
  for (size_t i = 0; i < n; ++i) variance += (x[i] - mean) * (x[i] - mean);
  const float scale = 1.0f / std::sqrt(variance / float(n) + eps);
  const float* b = f32(bias);  // absent: no bias
  for (size_t i = 0; i < n; ++i) y[i] = w[i] * ((x[i] - mean) * scale) + (b ? b[i] : 0.0f);
}

void normalize_heads(float* v, const TensorView& weight, size_t heads, size_t head_dim, float eps) {
  for (size_t h = 0; h < heads; ++h) normalize(NormKind::RmsNorm, v + h * head_dim, weight, {}, v + h * head_dim, head_dim, eps);
}

void add_bias(float* y, const TensorView& bias, size_t n) {
  if (!bias.data) return;
  const float* b = f32(bias);
  for (size_t i = 0; i < n; ++i) y[i] += b[i];
}

void rope(float* v, size_t heads, size_t head_dim, int64_t pos, std::span<const float> inv_freq) {
  for (size_t i = 0; i < head_dim / 2; ++i) {
    const float angle = float(pos) * inv_freq[i];
    const float c = std::cos(angle), s = std::sin(angle);
    for (size_t h = 0; h < heads; ++h) {
      float* pair = v + h * head_dim + 2 * i;
      const float a = pair[0], b = pair[1];
      pair[0] = a * c - b * s;
      pair[1] = a * s + b * c;
    }
  }
}

void activate(Activation activation, float* gate, const float* up, size_t n) {
  switch (activation) {
    case Activation::SiluGated:
      for (size_t i = 0; i < n; ++i) gate[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
      return;
    case Activation::GeluTanhGated:
      for (size_t i = 0; i < n; ++i) gate[i] = gelu_tanh(gate[i]) * up[i];
      return;
    case Activation::GeluTanh:
      for (size_t i = 0; i < n; ++i) gate[i] = gelu_tanh(gate[i]);
      return;
  }
}

void softcap(float* x, size_t n, float cap) {
  if (cap <= 0.0f) return;
  for (size_t i = 0; i < n; ++i) x[i] = cap * std::tanh(x[i] / cap);
}

}  // namespace sprig::family
