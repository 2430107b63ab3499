// f32/f16 matvec and gemm, attention over f32/f16 caches and rmsnorm with 256-bit FMA and F16C,
// shared by the x86 sets (internal linkage: each set's copy keeps its own flags). Loops over
// whole vectors of 8 and a scalar tail, so any length works.
namespace {

inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load8(const uint16_t* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}
inline float load1(const float* p) { return *p; }
inline float load1(const uint16_t* p) { return _cvtsh_ss(*p); }

inline float hsum_ps(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// R rows of w times N vectors of x.
template <typename W, size_t R, size_t N>
void float_tile(const W* w, const float* x, size_t x_stride, float* y, size_t y_stride, size_t cols, size_t r0,
                size_t n0) {
  __m256 acc[R][N];
  for (size_t i = 0; i < R; ++i)
    for (size_t n = 0; n < N; ++n) acc[i][n] = _mm256_setzero_ps();
  size_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    if constexpr (N == 1) prefetch_ahead(w + r0 * cols, R * cols * sizeof(W), R * c * sizeof(W), R * 8 * sizeof(W));
    __m256 xv[N];
    for (size_t n = 0; n < N; ++n) xv[n] = load8(x + (n0 + n) * x_stride + c);
    for (size_t i = 0; i < R; ++i) {
      const __m256 wv = load8(w + (r0 + i) * cols + c);
      for (size_t n = 0; n < N; ++n) acc[i][n] = _mm256_fmadd_ps(wv, xv[n], acc[i][n]);
    }
  }
  for (size_t i = 0; i < R; ++i)
    for (size_t n = 0; n < N; ++n) {
      float sum = hsum_ps(acc[i][n]);
      for (size_t k = c; k < cols; ++k) sum += load1(w + (r0 + i) * cols + k) * x[(n0 + n) * x_stride + k];
      y[(n0 + n) * y_stride + r0 + i] = sum;
    }
}

template <typename W>
void float_gemm(const W* w, const float* x, size_t x_stride, size_t count, float* y, size_t y_stride, size_t cols,
                size_t begin, size_t end) {
  if (count == 1) {
    size_t r = begin;
    for (; r + 4 <= end; r += 4) float_tile<W, 4, 1>(w, x, x_stride, y, y_stride, cols, r, 0);
    for (; r < end; ++r) float_tile<W, 1, 1>(w, x, x_stride, y, y_stride, cols, r, 0);
    return;
  }
  size_t r = begin;
  for (; r + 2 <= end; r += 2) {
    size_t n = 0;
    for (; n + 4 <= count; n += 4) float_tile<W, 2, 4>(w, x, x_stride, y, y_stride, cols, r, n);
    for (; n < count; ++n) float_tile<W, 2, 1>(w, x, x_stride, y, y_stride, cols, r, n);
  }
  for (; r < end; ++r)
    for (size_t n = 0; n < count; ++n) float_tile<W, 1, 1>(w, x, x_stride, y, y_stride, cols, r, n);
}

template <typename W>
void float_matvec(const W* w, const float* x, float* y, size_t cols, size_t begin, size_t end) {
  float_gemm<W>(w, x, 0, 1, y, 0, cols, begin, end);
}

// Attention and rmsnorm feed the int8 quantization of the next matmul's input, so they repeat the
// scalar reference's operations in its order (mul then add, no FMA) and give its bits: scores run
// eight positions at once, one per lane, each summing over head_dim in order; weighted sums run
// over head_dim, each lane summing over positions in order.
inline __m256 gather8(const float* p, size_t stride) {
  const __m256i index = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(int(stride)));
  return _mm256_i32gather_ps(p, index, 4);
}
inline __m256 gather8(const uint16_t* p, size_t stride) {
  const __m128i h = _mm_setr_epi16(short(p[0]), short(p[stride]), short(p[2 * stride]), short(p[3 * stride]),
                                   short(p[4 * stride]), short(p[5 * stride]), short(p[6 * stride]),
                                   short(p[7 * stride]));
  return _mm256_cvtph_ps(h);
}

// Dims [d, d + 8) of eight f16 keys (rows `stride` apart), transposed: column j holds dim d + j of
// the eight keys. Eight row loads and 24 unpacks instead of 64 scalar loads into gather8.
inline void transpose_halves8x8(const uint16_t* p, size_t stride, __m256 columns[8]) {
  __m128i r[8], s[8];
  for (size_t i = 0; i < 8; ++i) r[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i * stride));
  for (size_t i = 0; i < 8; i += 2) {  // pairs of rows interleaved by dim
    s[i] = _mm_unpacklo_epi16(r[i], r[i + 1]);
    s[i + 1] = _mm_unpackhi_epi16(r[i], r[i + 1]);
  }
  for (size_t i = 0; i < 8; i += 4)  // quads of rows, by pairs of dims
    for (size_t k = 0; k < 2; ++k) {
      r[i + 2 * k] = _mm_unpacklo_epi32(s[i + k], s[i + k + 2]);
      r[i + 2 * k + 1] = _mm_unpackhi_epi32(s[i + k], s[i + k + 2]);
    }
  for (size_t j = 0; j < 4; ++j) {  // all eight rows, one dim each
    columns[2 * j] = _mm256_cvtph_ps(_mm_unpacklo_epi64(r[j], r[j + 4]));
    columns[2 * j + 1] = _mm256_cvtph_ps(_mm_unpackhi_epi64(r[j], r[j + 4]));
  }
}

template <typename K>
void attention_scores(const float* q, const K* keys, size_t stride, size_t count, size_t head_dim, float scale,
                      float* scores) {
  size_t t = 0;
  for (; t + 8 <= count && stride <= (size_t(1) << 27); t += 8) {
    const K* base = keys + t * stride;
    __m256 sum = _mm256_setzero_ps();
    size_t d = 0;
    if constexpr (std::is_same_v<K, uint16_t>)
      for (; d + 8 <= head_dim; d += 8) {
        __m256 columns[8];
        transpose_halves8x8(base + d, stride, columns);
        for (size_t j = 0; j < 8; ++j) sum = _mm256_add_ps(sum, _mm256_mul_ps(_mm256_set1_ps(q[d + j]), columns[j]));
      }
    for (; d < head_dim; ++d)
      sum = _mm256_add_ps(sum, _mm256_mul_ps(_mm256_set1_ps(q[d]), gather8(base + d, stride)));
    _mm256_storeu_ps(scores + t, _mm256_mul_ps(sum, _mm256_set1_ps(scale)));
  }
  for (; t < count; ++t) {
    const K* key = keys + t * stride;
    float sum = 0.0f;
    for (size_t d = 0; d < head_dim; ++d) sum += q[d] * load1(key + d);
    scores[t] = sum * scale;
  }
}

template <typename V>
void weighted_sum(const float* weights, const V* values, size_t stride, size_t count, size_t head_dim,
                  float* out) {
  size_t d = 0;
  for (; d + 32 <= head_dim; d += 32) {  // four vectors of out stay in registers over all t
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t t = 0; t < count; ++t) {
      const V* row = values + t * stride + d;
      const __m256 p = _mm256_set1_ps(weights[t]);
      a0 = _mm256_add_ps(a0, _mm256_mul_ps(p, load8(row)));
      a1 = _mm256_add_ps(a1, _mm256_mul_ps(p, load8(row + 8)));
      a2 = _mm256_add_ps(a2, _mm256_mul_ps(p, load8(row + 16)));
      a3 = _mm256_add_ps(a3, _mm256_mul_ps(p, load8(row + 24)));
    }
    _mm256_storeu_ps(out + d, a0);
    _mm256_storeu_ps(out + d + 8, a1);
    _mm256_storeu_ps(out + d + 16, a2);
    _mm256_storeu_ps(out + d + 24, a3);
  }
  for (; d + 8 <= head_dim; d += 8) {
    __m256 a = _mm256_setzero_ps();
    for (size_t t = 0; t < count; ++t)
      a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(weights[t]), load8(values + t * stride + d)));
    _mm256_storeu_ps(out + d, a);
  }
  for (; d < head_dim; ++d) {
    float a = 0.0f;
    for (size_t t = 0; t < count; ++t) a += weights[t] * load1(values + t * stride + d);
    out[d] = a;
  }
}

void rmsnorm_x86(const float* x, const float* weight, float* y, size_t n, float eps) {
  float sum_squares = 0.0f;  // in order, as the reference: see above
  for (size_t i = 0; i < n; ++i) sum_squares += x[i] * x[i];
  const float scale = 1.0f / std::sqrt(sum_squares / float(n) + eps);
  const __m256 s = _mm256_set1_ps(scale);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _mm256_mul_ps(load8(weight + i), _mm256_mul_ps(s, load8(x + i))));
  for (; i < n; ++i) y[i] = weight[i] * (scale * x[i]);
}

// F16C rounds to nearest even as the scalar conversion does; only a NaN's payload would differ,
// so a vector holding one takes the scalar path.
void kv_store_f16_x86(const float* x, uint16_t* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    if (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) == 0)
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
    else
      for (size_t j = i; j < i + 8; ++j) out[j] = sprig::f32_to_f16(x[j]);
  }
  for (; i < n; ++i) out[i] = sprig::f32_to_f16(x[i]);
}

}  // namespace
