// Attention over an int8 KV cache (attention.h: one f32 scale per position per kv head) with
// 256-bit vectors, shared by the x86 sets (internal linkage). Like the f32/f16 kernels in
// float_x86.inl they give the scalar reference's bits: scores run eight positions at once, one per
// lane, each summing q[d] * key[d] over d in order; weighted sums run eight dimensions at once,
// each lane summing over positions in order, with the reference's per-position weight
// weights[t] * value_scale_t. Include after float_x86.inl.
namespace {

// Element d of eight rows `stride` apart, as floats.
inline __m256 gather8(const int8_t* p, size_t stride) {
  return _mm256_cvtepi32_ps(_mm256_setr_epi32(p[0], p[stride], p[2 * stride], p[3 * stride], p[4 * stride],
                                               p[5 * stride], p[6 * stride], p[7 * stride]));
}

void attention_scores_int8_x86(const float* q, const int8_t* keys, size_t stride, const float* key_scales,
                               size_t scale_stride, size_t count, size_t head_dim, float scale, float* scores) {
  size_t t = 0;
  // One 32-bit gather brings four dimensions of eight rows; byte j of each lane is dimension d + j.
  const bool gather = stride <= (size_t(1) << 27) && scale_stride <= (size_t(1) << 27);
  const __m256i rows = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (; gather && t + 8 <= count; t += 8) {
    const int8_t* base = keys + t * stride;
    const __m256i offsets = _mm256_mullo_epi32(rows, _mm256_set1_epi32(int(stride)));
    __m256 sum = _mm256_setzero_ps();
    size_t d = 0;
    for (; d + 4 <= head_dim; d += 4) {
      const __m256i words = _mm256_i32gather_epi32(reinterpret_cast<const int*>(base + d), offsets, 1);
      const __m256 k0 = _mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_slli_epi32(words, 24), 24));
      const __m256 k1 = _mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_slli_epi32(words, 16), 24));
      const __m256 k2 = _mm256_cvtepi32_ps(_mm256_srai_epi32(_mm256_slli_epi32(words, 8), 24));
      const __m256 k3 = _mm256_cvtepi32_ps(_mm256_srai_epi32(words, 24));
      sum = _mm256_add_ps(sum, _mm256_mul_ps(_mm256_set1_ps(q[d]), k0));
      sum = _mm256_add_ps(sum, _mm256_mul_ps(_mm256_set1_ps(q[d + 1]), k1));
      sum = _mm256_add_ps(sum, _mm256_mul_ps(_mm256_set1_ps(q[d + 2]), k2));
      sum = _mm256_add_ps(sum, _mm256_mul_ps(_mm256_set1_ps(q[d + 3]), k3));
    }
    for (; d < head_dim; ++d) sum = _mm256_add_ps(sum, _mm256_mul_ps(_mm256_set1_ps(q[d]), gather8(base + d, stride)));
    const __m256 row_scales = gather8(key_scales + t * scale_stride, scale_stride);
    _mm256_storeu_ps(scores + t, _mm256_mul_ps(_mm256_mul_ps(sum, row_scales), _mm256_set1_ps(scale)));
  }
  for (; t < count; ++t) {
    const int8_t* key = keys + t * stride;
    float sum = 0.0f;
    for (size_t d = 0; d < head_dim; ++d) sum += q[d] * float(key[d]);
    scores[t] = sum * key_scales[t * scale_stride] * scale;
  }
}

inline __m256 load8(const int8_t* p) {
  return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
}

void weighted_sum_int8_x86(const float* weights, const int8_t* values, size_t stride, const float* value_scales,
                           size_t scale_stride, size_t count, size_t head_dim, float* out) {
  size_t d = 0;
  for (; d + 32 <= head_dim; d += 32) {  // four vectors of out stay in registers over all t
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
    for (size_t t = 0; t < count; ++t) {
      const int8_t* row = values + t * stride + d;
      const __m256 p = _mm256_set1_ps(weights[t] * value_scales[t * scale_stride]);
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
      a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(weights[t] * value_scales[t * scale_stride]),
                                         load8(values + t * stride + d)));
    _mm256_storeu_ps(out + d, a);
  }
  for (; d < head_dim; ++d) {
    float a = 0.0f;
    for (size_t t = 0; t < count; ++t) a += weights[t] * value_scales[t * scale_stride] * float(values[t * stride + d]);
    out[d] = a;
  }
}

}  // namespace
