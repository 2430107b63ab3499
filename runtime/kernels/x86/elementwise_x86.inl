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

void rope_x86(float* v, size_t n_heads, size_t head_dim, size_t pos, float theta) {
  constexpr size_t kChunk = 32;  // pairs whose rotation is computed at once
  float c[kChunk], s[kChunk];
  const size_t pairs = head_dim / 2;
  // shuffle_ps takes pairs (0, 1, 4, 5 | 2, 3, 6, 7) of eight into a vector: c and s follow
  const __m256i order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
  for (size_t first = 0; first < pairs; first += kChunk) {
    const size_t chunk = std::min(kChunk, pairs - first);
    for (size_t j = 0; j < chunk; ++j)
      sprig::kernels::rope_cos_sin_scalar(first + j, head_dim, pos, theta, &c[j], &s[j]);
    for (size_t h = 0; h < n_heads; ++h) {
      float* base = v + h * head_dim + 2 * first;
      size_t j = 0;
      for (; j + 8 <= chunk; j += 8) {
        const __m256 lo = _mm256_loadu_ps(base + 2 * j), hi = _mm256_loadu_ps(base + 2 * j + 8);
        const __m256 a = _mm256_shuffle_ps(lo, hi, 0x88), b = _mm256_shuffle_ps(lo, hi, 0xdd);
        const __m256 cv = _mm256_permutevar8x32_ps(_mm256_loadu_ps(c + j), order);
        const __m256 sv = _mm256_permutevar8x32_ps(_mm256_loadu_ps(s + j), order);
        const __m256 ra = _mm256_sub_ps(_mm256_mul_ps(a, cv), _mm256_mul_ps(b, sv));
        const __m256 rb = _mm256_add_ps(_mm256_mul_ps(a, sv), _mm256_mul_ps(b, cv));
        _mm256_storeu_ps(base + 2 * j, _mm256_unpacklo_ps(ra, rb));
        _mm256_storeu_ps(base + 2 * j + 8, _mm256_unpackhi_ps(ra, rb));
      }
      for (; j < chunk; ++j) {
        float* pair = base + 2 * j;
        const float a = pair[0], b = pair[1];
        pair[0] = a * c[j] - b * s[j];
        pair[1] = a * s[j] + b * c[j];
      }
    }
  }
}

}  // namespace
