// RMSNorm, softmax, SwiGLU and RoPE for aarch64, shared by the aarch64 sets (internal linkage, see
// quantized_arm.inl). Each gives the scalar reference's bits (reference.h): the same operations in
// the same order, exp from exp_approx.h for scalars and vectors alike, the softmax sum in eight
// lanes (here two vectors of four), RoPE's angles from the reference's own function.
namespace sprig::kernels {
namespace {

void rmsnorm_neon(const float* x, const float* weight, float* y, size_t n, float eps) {
  float sum_squares = 0.0f;  // in order, as the reference
  for (size_t i = 0; i < n; ++i) sum_squares += x[i] * x[i];
  const float scale = 1.0f / __builtin_sqrtf(sum_squares / float(n) + eps);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vmulq_f32(vld1q_f32(weight + i), vmulq_n_f32(vld1q_f32(x + i), scale)));
  for (; i < n; ++i) y[i] = weight[i] * (scale * x[i]);
}

void softmax_neon(float* x, size_t n) {
  float32x4_t max4 = vdupq_n_f32(x[0]);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) max4 = vmaxq_f32(max4, vld1q_f32(x + i));  // the maximum: any order gives it
  float max = vmaxvq_f32(max4);
  for (; i < n; ++i) max = x[i] > max ? x[i] : max;
  const float32x4_t m = vdupq_n_f32(max);
  float32x4_t low = vdupq_n_f32(0.0f), high = low;  // lanes 0-3 and 4-7 of the reference's eight
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const float32x4_t e0 = exp_approx<float32x4_t, uint32x4_t>(vsubq_f32(vld1q_f32(x + i), m));
    const float32x4_t e1 = exp_approx<float32x4_t, uint32x4_t>(vsubq_f32(vld1q_f32(x + i + 4), m));
    vst1q_f32(x + i, e0);
    vst1q_f32(x + i + 4, e1);
    low = vaddq_f32(low, e0);
    high = vaddq_f32(high, e1);
  }
  float lanes[8];
  vst1q_f32(lanes, low);
  vst1q_f32(lanes + 4, high);
  for (size_t lane = 0; i < n; ++i, ++lane) {
    x[i] = exp_approx(x[i] - max);
    lanes[lane] += x[i];
  }
  const float sum = sum_lanes8_scalar(lanes);
  const float32x4_t s = vdupq_n_f32(sum);
  i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(x + i, vdivq_f32(vld1q_f32(x + i), s));
  for (; i < n; ++i) x[i] /= sum;
}

void swiglu_neon(float* gate, const float* up, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
    vst1q_f32(gate + i, silu_times<float32x4_t, uint32x4_t>(vld1q_f32(gate + i), vld1q_f32(up + i)));
  for (; i < n; ++i) gate[i] = silu_times_scalar(gate[i], up[i]);
}

}  // namespace
}  // namespace sprig::kernels
