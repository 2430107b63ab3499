#include "../reference.h"
#include "sprig/half.h"

namespace sprig::kernels {

void matvec_f32_scalar(const float* w, const float* x, float* y, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    const float* row = w + r * cols;
    float sum = 0.0f;
    for (size_t c = 0; c < cols; ++c) sum += row[c] * x[c];
    y[r] = sum;
  }
}

void matvec_f16_scalar(const uint16_t* w, const float* x, float* y, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) {
    const uint16_t* row = w + r * cols;
    float sum = 0.0f;
    for (size_t c = 0; c < cols; ++c) sum += f16_to_f32(row[c]) * x[c];
    y[r] = sum;
  }
}

float dot_f32_scalar(const float* a, const float* b, size_t n) {
  float sum = 0.0f;
  for (size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace sprig::kernels
