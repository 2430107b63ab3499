// Softmax, SwiGLU and RoPE with 256-bit vectors, shared by the x86 sets (internal linkage: each
// set's copy keeps its own flags). Each gives the scalar reference's bits (reference.h): exp from
// exp_approx.h, one template for scalars and vectors; the softmax sum in the reference's eight
// lanes, one per vector lane; RoPE's angles from the reference's own function, the rotations as
// separate multiplies and adds. Include after float_x86.inl.
namespace {

using sprig::kernels::exp_approx;
using sprig::kernels::silu_times;
using sprig::kernels::silu_times_scalar;

typedef uint32_t u32x8 __attribute__((vector_size(32)));  // __m256's unsigned twin for exp_approx

void softmax_x86(float* x, size_t n) {
  __m256 max8 = _mm256_set1_ps(x[0]);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) max8 = _mm256_max_ps(max8, _mm256_loadu_ps(x + i));  // any order gives the maximum
  float lanes[8];
  _mm256_storeu_ps(lanes, max8);
  float max = x[0];
  for (float lane : lanes) max = lane > max ? lane : max;
  for (; i < n; ++i) max = x[i] > max ? x[i] : max;

  const __m256 m = _mm256_set1_ps(max);
  __m256 sum8 = _mm256_setzero_ps();  // lane j: the reference's lane j
  i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp_approx<__m256, u32x8>(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
    _mm256_storeu_ps(x + i, e);
    sum8 = _mm256_add_ps(sum8, e);
  }
  _mm256_storeu_ps(lanes, sum8);
  for (size_t lane = 0; i < n; ++i, ++lane) {
    x[i] = exp_approx(x[i] - max);
    lanes[lane] += x[i];
  }
  const float sum = sprig::kernels::sum_lanes8_scalar(lanes);
  const __m256 s = _mm256_set1_ps(sum);
  i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(x + i, _mm256_div_ps(_mm256_loadu_ps(x + i), s));
  for (; i < n; ++i) x[i] /= sum;
}

void swiglu_x86(float* gate, const float* up, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(gate + i, silu_times<__m256, u32x8>(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  for (; i < n; ++i) gate[i] = silu_times_scalar(gate[i], up[i]);
}

}  // namespace
