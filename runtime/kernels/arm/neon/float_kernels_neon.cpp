// f32 and f16 matvec/gemm for armv8-a (f16 widened by FCVTL, which every armv8-a core has). Sums
// run in four lanes x four accumulators: they differ from the scalar order by reassociation only,
// which kernel_set.h allows for these float matmuls (not for the quantized ones).
#include <arm_neon.h>

#include "../../kernel_set.h"

namespace sprig::kernels {
namespace {

inline float32x4_t load4(const float* p) { return vld1q_f32(p); }
inline float32x4_t load4(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
inline float load1(const float* p) { return *p; }
inline float load1(const uint16_t* p) {
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(*p))), 0);
}

template <typename T>
float dot(const T* w, const float* x, size_t n) {
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = vfmaq_f32(a0, load4(w + i), vld1q_f32(x + i));
    a1 = vfmaq_f32(a1, load4(w + i + 4), vld1q_f32(x + i + 4));
    a2 = vfmaq_f32(a2, load4(w + i + 8), vld1q_f32(x + i + 8));
    a3 = vfmaq_f32(a3, load4(w + i + 12), vld1q_f32(x + i + 12));
  }
  for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, load4(w + i), vld1q_f32(x + i));
  float sum = vaddvq_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
  for (; i < n; ++i) sum += load1(w + i) * x[i];
  return sum;
}

template <typename T>
void matvec_rows(const T* w, const float* x, float* y, size_t cols, size_t begin, size_t end) {
  for (size_t r = begin; r < end; ++r) y[r] = dot(w + r * cols, x, cols);
}

template <typename T>
void gemm_rows(const T* w, const float* x, size_t x_stride, size_t count, float* y, size_t y_stride, size_t cols,
               size_t begin, size_t end) {
  for (size_t i = 0; i < count; ++i) matvec_rows(w, x + i * x_stride, y + i * y_stride, cols, begin, end);
}

}  // namespace

void matvec_f32_1x16__neon(const float* w, const float* x, float* y, size_t cols, size_t begin, size_t end) {
  matvec_rows(w, x, y, cols, begin, end);
}
void matvec_f16_1x16__neon(const uint16_t* w, const float* x, float* y, size_t cols, size_t begin, size_t end) {
  matvec_rows(w, x, y, cols, begin, end);
}
void gemm_f32_1x16__neon(const float* w, const float* x, size_t x_stride, size_t count, float* y, size_t y_stride,
                         size_t cols, size_t begin, size_t end) {
  gemm_rows(w, x, x_stride, count, y, y_stride, cols, begin, end);
}
void gemm_f16_1x16__neon(const uint16_t* w, const float* x, size_t x_stride, size_t count, float* y,
                         size_t y_stride, size_t cols, size_t begin, size_t end) {
  gemm_rows(w, x, x_stride, count, y, y_stride, cols, begin, end);
}
}  // namespace sprig::kernels
