// Quantized matvec/gemm bodies shared by the x86 sets. Each set's file includes this after
// defining `struct Dot` with dpbusd(acc, u8, s8): acc + sums of 4 adjacent u8*s8 products in
// int32 lanes (maddubs+madd on AVX2, vpdpbusd with VNNI), and is compiled with its own flags.
// Everything here has internal linkage, so the copies built with different flags never merge.
//
// The integer dot of each block is exact (the products fit: q8 uses |w| * sign(x, w) so maddubs
// never saturates, 2*127*127 < 32767; q4 nibbles are at most 15), so only the float sum over
// blocks differs from scalar, by reassociation.
namespace {

using sprig::kernels::QuantizedActivations;
using sprig::kernels::QuantizedBatch;
using sprig::kernels::QuantizedWeights;

enum class Weights { Q8, Q4, Q4A };

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

inline __m256i load256(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// One block of weights made ready for dpbusd: unsigned bytes in element order, per 32 elements
// (and for q8 the signed weights too, whose signs move onto the activations).
template <Weights T, size_t G>
struct PreparedBlock {
  __m256i u[G / 32];
  __m256i s[T == Weights::Q8 ? G / 32 : 1];

  void load(const uint8_t* w) {
    if constexpr (T == Weights::Q8) {
      for (size_t k = 0; k < G / 32; ++k) {
        s[k] = load256(w + 32 * k);
        u[k] = _mm256_sign_epi8(s[k], s[k]);
      }
    } else if constexpr (G == 32) {
      // byte j: element j low, element j + 16 high
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
      const __m128i mask = _mm_set1_epi8(0x0f);
      u[0] = _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), _mm_and_si128(bytes, mask));
    } else {
      // 32 bytes at 32k: low nibbles are elements 32k.., high ones G/2 + 32k..
      const __m256i mask = _mm256_set1_epi8(0x0f);
      for (size_t k = 0; k < G / 64; ++k) {
        const __m256i bytes = load256(w + 32 * k);
        u[k] = _mm256_and_si256(bytes, mask);
        u[G / 64 + k] = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), mask);
      }
    }
  }

  // Integer lanes whose sum is the block's dot product with x (G int8).
  __m256i dot(const int8_t* x) const {
    __m256i acc = _mm256_setzero_si256();
    for (size_t k = 0; k < G / 32; ++k) {
      const __m256i xv = load256(x + 32 * k);
      if constexpr (T == Weights::Q8)
        acc = Dot::dpbusd(acc, u[k], _mm256_sign_epi8(xv, s[k]));
      else
        acc = Dot::dpbusd(acc, u[k], xv);
    }
    return acc;
  }
};

constexpr size_t block_bytes(Weights t, size_t g) { return t == Weights::Q8 ? g : g / 2; }

// R rows from r0 times N activation vectors from n0: y[n * y_stride + r].
template <Weights T, size_t G, size_t R, size_t N>
void quantized_tile(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t r0,
                    size_t n0) {
  __m256 acc[R][N];
  float min_acc[R][N];
  for (size_t i = 0; i < R; ++i)
    for (size_t n = 0; n < N; ++n) {
      acc[i][n] = _mm256_setzero_ps();
      min_acc[i][n] = 0.0f;
    }
  const size_t blocks = w.blocks_per_row;
  for (size_t b = 0; b < blocks; ++b) {
    for (size_t i = 0; i < R; ++i) {
      const size_t block = (r0 + i) * blocks + b;
      PreparedBlock<T, G> prepared;
      prepared.load(w.quants + block * block_bytes(T, G));
      const float d = half_to_float(w.scales[block]);
      for (size_t n = 0; n < N; ++n) {
        const size_t xb = (n0 + n) * blocks + b;
        __m256i dot = prepared.dot(x.quants + xb * G);
        if constexpr (T == Weights::Q4)  // stored nibble = q + 8
          dot = _mm256_sub_epi32(dot, _mm256_zextsi128_si256(_mm_cvtsi32_si128(8 * x.sums[xb])));
        acc[i][n] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(d * x.scales[xb]), acc[i][n]);
        if constexpr (T == Weights::Q4A)
          min_acc[i][n] += half_to_float(w.mins[block]) * x.scales[xb] * float(x.sums[xb]);
      }
    }
  }
  for (size_t i = 0; i < R; ++i)
    for (size_t n = 0; n < N; ++n) y[(n0 + n) * y_stride + r0 + i] = hsum(acc[i][n]) + min_acc[i][n];
}

template <Weights T, size_t G>
void quantized_rows(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t begin,
                    size_t end) {
  if (x.count == 1) {  // decode: four rows share each activation block
    size_t r = begin;
    for (; r + 4 <= end; r += 4) quantized_tile<T, G, 4, 1>(w, x, y, y_stride, r, 0);
    for (; r < end; ++r) quantized_tile<T, G, 1, 1>(w, x, y, y_stride, r, 0);
    return;
  }
  // prefill: each prepared weight block serves four vectors; two rows at a time keep
  // eight accumulators in registers
  size_t r = begin;
  for (; r + 2 <= end; r += 2) {
    size_t n = 0;
    for (; n + 4 <= x.count; n += 4) quantized_tile<T, G, 2, 4>(w, x, y, y_stride, r, n);
    for (; n < x.count; ++n) quantized_tile<T, G, 2, 1>(w, x, y, y_stride, r, n);
  }
  for (; r < end; ++r) {
    size_t n = 0;
    for (; n + 4 <= x.count; n += 4) quantized_tile<T, G, 1, 4>(w, x, y, y_stride, r, n);
    for (; n < x.count; ++n) quantized_tile<T, G, 1, 1>(w, x, y, y_stride, r, n);
  }
}

template <Weights T>
void quantized_gemm(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t begin,
                    size_t end) {
  switch (w.group) {
    case 32: return quantized_rows<T, 32>(w, x, y, y_stride, begin, end);
    case 64: return quantized_rows<T, 64>(w, x, y, y_stride, begin, end);
    case 128: return quantized_rows<T, 128>(w, x, y, y_stride, begin, end);
    default: break;  // the model loader admits only these groups
  }
}

template <Weights T>
void quantized_matvec(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                      size_t end) {
  const QuantizedBatch one{x.quants, x.scales, x.sums, x.blocks, x.group, 1};
  quantized_gemm<T>(w, one, y, 0, begin, end);
}

// Per block: scale = max|x| / 127, q = round-to-nearest-even(x / scale) exactly as the scalar
// reference computes them (the same division and the same product, rounded by cvtps).
void quantize_activations_x86(const float* x, size_t n, QuantizedActivations& out) {
  const __m256 sign_mask = _mm256_set1_ps(-0.0f);
  for (size_t b = 0; b < out.blocks; ++b) {
    const size_t begin = b * out.group;
    const size_t end = std::min(n, begin + out.group);
    const size_t count = end > begin ? end - begin : 0;
    const float* src = x + begin;
    __m256 max = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= count; i += 8) max = _mm256_max_ps(max, _mm256_andnot_ps(sign_mask, _mm256_loadu_ps(src + i)));
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(max), _mm256_extractf128_ps(max, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_movehdup_ps(m));
    float max_abs = _mm_cvtss_f32(m);
    for (; i < count; ++i) max_abs = std::max(max_abs, std::fabs(src[i]));
    const float scale = max_abs / 127.0f;
    const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
    int8_t* q = out.quants + begin;
    const __m256 inv = _mm256_set1_ps(inverse);
    __m256i sums = _mm256_setzero_si256();
    i = 0;
    for (; i + 32 <= count; i += 32) {
      // cvtps rounds to nearest even under the default MXCSR, like nearbyint
      const __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + i), inv));
      const __m256i b2 = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + i + 8), inv));
      const __m256i c = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + i + 16), inv));
      const __m256i d = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(src + i + 24), inv));
      sums = _mm256_add_epi32(sums, _mm256_add_epi32(_mm256_add_epi32(a, b2), _mm256_add_epi32(c, d)));
      // packs interleave 128-bit lanes; the permute puts the bytes back in order
      const __m256i ab = _mm256_packs_epi32(a, b2), cd = _mm256_packs_epi32(c, d);
      const __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(ab, cd),
                                                        _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + i), bytes);
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sums), _mm256_extracti128_si256(sums, 1));
    s = _mm_hadd_epi32(s, s);
    s = _mm_hadd_epi32(s, s);
    int32_t sum = _mm_cvtsi128_si32(s);
    for (; i < count; ++i) {
      const int8_t value = int8_t(std::nearbyint(src[i] * inverse));
      q[i] = value;
      sum += value;
    }
    for (size_t j = count; j < out.group; ++j) q[j] = 0;
    out.scales[b] = scale;
    out.sums[b] = sum;
  }
}

}  // namespace
