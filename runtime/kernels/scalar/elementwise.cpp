#include <cmath>

#include "../exp_approx.h"
#include "../reference.h"

namespace sprig::kernels {

void rmsnorm_f32_scalar(const float* x, const float* weight, float* y, size_t n, float eps) {
  float sum_squares = 0.0f;
  for (size_t i = 0; i < n; ++i) sum_squares += x[i] * x[i];
  const float scale = 1.0f / std::sqrt(sum_squares / float(n) + eps);
  for (size_t i = 0; i < n; ++i) y[i] = weight[i] * (scale * x[i]);
}

float sum_lanes8_scalar(const float lanes[8]) {
  return ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6])) + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]));
}

void softmax_f32_scalar(float* x, size_t n) {
  float max = x[0];
  for (size_t i = 1; i < n; ++i) max = x[i] > max ? x[i] : max;
  float lanes[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  for (size_t i = 0; i < n; ++i) {
    x[i] = exp_approx(x[i] - max);
    lanes[i % 8] += x[i];
  }
  const float sum = sum_lanes8_scalar(lanes);
  for (size_t i = 0; i < n; ++i) x[i] /= sum;
}

void swiglu_f32_scalar(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) gate[i] = silu_times_scalar(gate[i], up[i]);
}

void weighted_sum_f32_scalar(const float* weights, const float* values, float* out, size_t count, size_t n,
                             size_t stride) {
  for (size_t d = 0; d < n; ++d) out[d] = 0.0f;
  for (size_t t = 0; t < count; ++t) {
    const float* row = values + t * stride;
    for (size_t d = 0; d < n; ++d) out[d] += weights[t] * row[d];
  }
}

}  // namespace sprig::kernels
