// Quantized matvec/gemm bodies shared by the x86 sets. Each set's file includes this after
// defining `struct Dot` with dpbusd(acc, u8, s8): acc + sums of 4 adjacent u8*s8 products in
// int32 lanes (maddubs+madd on AVX2, vpdpbusd with VNNI), and is compiled with its own flags.
// Everything here has internal linkage, so the copies built with different flags never merge.
//
// The integer dot of each block is exact (the products fit: q8 uses |w| * sign(x, w) so maddubs
// never saturates, 2*128*127 < 32767; q4 nibbles are at most 15), and the float sum over blocks
// repeats the scalar reference's operations in its order, one row per lane, so the results are
// the scalar ones bit for bit: a float difference would flip roundings of the next layer's int8
// activations and of an f16 KV cache, and those flips grow through the layers.
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

// One tile of a decode kernel: 8 rows of `row_bytes`; its blocks [b, b + count) are being computed.
inline void prefetch_tile8(const uint8_t* tile, size_t row_bytes, size_t block_bytes, size_t b, size_t count) {
  prefetch_ahead(tile, 8 * row_bytes, 8 * block_bytes * b, 8 * block_bytes * count);
}

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

inline int32_t hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// Eight vectors of int32 lanes to one vector of their eight sums, in order.
inline __m256i reduce8(const __m256i v[8]) {
  const __m256i a = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
  const __m256i b = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
  return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20), _mm256_permute2x128_si256(a, b, 0x31));
}

// The f16 values at p[0], p[stride], ... p[7 * stride].
inline __m256 gather_halves(const uint16_t* p, size_t stride) {
  const __m128i h = _mm_setr_epi16(short(p[0]), short(p[stride]), short(p[2 * stride]), short(p[3 * stride]),
                                   short(p[4 * stride]), short(p[5 * stride]), short(p[6 * stride]),
                                   short(p[7 * stride]));
  return _mm256_cvtph_ps(h);
}

// Eight rows from r0 against one activation vector, one row per lane, so each row's float sum
// runs over the blocks in the scalar reference's order with the same roundings (mul, mul, add:
// no FMA) and the result equals matvec_*_scalar bit for bit.
template <Weights T, size_t G>
void rows8(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t r0) {
  const size_t blocks = w.blocks_per_row;
  const uint8_t* tile = w.quants + r0 * blocks * block_bytes(T, G);
  __m256 sum = _mm256_setzero_ps();
  for (size_t b = 0; b < blocks; ++b) {
    if (b % 2 == 0) prefetch_tile8(tile, blocks * block_bytes(T, G), block_bytes(T, G), b, 2);
    __m256i dots[8];
    for (size_t i = 0; i < 8; ++i) {
      PreparedBlock<T, G> prepared;
      prepared.load(w.quants + ((r0 + i) * blocks + b) * block_bytes(T, G));
      dots[i] = prepared.dot(x.quants + b * G);
    }
    __m256i dot = reduce8(dots);
    const __m256 d = gather_halves(w.scales + r0 * blocks + b, blocks);
    const __m256 xs = _mm256_set1_ps(x.scales[b]);
    if constexpr (T == Weights::Q8) {
      sum = _mm256_add_ps(sum, _mm256_mul_ps(_mm256_mul_ps(d, xs), _mm256_cvtepi32_ps(dot)));
    } else if constexpr (T == Weights::Q4) {  // stored nibble = q + 8
      dot = _mm256_sub_epi32(dot, _mm256_set1_epi32(8 * x.sums[b]));
      sum = _mm256_add_ps(sum, _mm256_mul_ps(_mm256_mul_ps(d, xs), _mm256_cvtepi32_ps(dot)));
    } else {  // xs * (d * dot + m * sum)
      const __m256 m = gather_halves(w.mins + r0 * blocks + b, blocks);
      const __m256 inner = _mm256_add_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(dot)),
                                         _mm256_mul_ps(m, _mm256_set1_ps(float(x.sums[b]))));
      sum = _mm256_add_ps(sum, _mm256_mul_ps(xs, inner));
    }
  }
  _mm256_storeu_ps(y + r0, sum);
}

template <Weights T, size_t G>
void row1(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t r) {
  const size_t blocks = w.blocks_per_row;
  float sum = 0.0f;
  for (size_t b = 0; b < blocks; ++b) {
    const size_t block = r * blocks + b;
    PreparedBlock<T, G> prepared;
    prepared.load(w.quants + block * block_bytes(T, G));
    const int32_t dot = hsum_epi32(prepared.dot(x.quants + b * G));
    const float d = half_to_float(w.scales[block]);
    if constexpr (T == Weights::Q8)
      sum += d * x.scales[b] * float(dot);
    else if constexpr (T == Weights::Q4)
      sum += d * x.scales[b] * float(dot - 8 * x.sums[b]);
    else
      sum += x.scales[b] * (d * float(dot) + half_to_float(w.mins[block]) * float(x.sums[b]));
  }
  y[r] = sum;
}

// Rows in tiles of eight, then one at a time; each activation vector in turn (prefill reads
// the same eight rows again from L1 for each vector).
template <Weights T, size_t G>
void quantized_rows(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t begin,
                    size_t end) {
  size_t r = begin;
  for (; r + 8 <= end; r += 8)
    for (size_t n = 0; n < x.count; ++n) rows8<T, G>(w, x.row(n), y + n * y_stride, r);
  for (; r < end; ++r)
    for (size_t n = 0; n < x.count; ++n) row1<T, G>(w, x.row(n), y + n * y_stride, r);
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

// One row of q8 weights against two-term activations (reference.h), the tail of
// matvec_q8_residual_x86.inl's 8-row tiles: the block's weights are prepared once and dotted with
// both terms, then d * (xs * dot + rs * residual_dot) in the reference's order.
template <size_t G>
void q8_residual_row1(const QuantizedWeights& w, const QuantizedActivations& x, const QuantizedActivations& residual,
                      float* y, size_t r) {
  const size_t blocks = w.blocks_per_row;
  float sum = 0.0f;
  for (size_t b = 0; b < blocks; ++b) {
    const size_t block = r * blocks + b;
    PreparedBlock<Weights::Q8, G> prepared;
    prepared.load(w.quants + block * G);
    const int32_t dot = hsum_epi32(prepared.dot(x.quants + b * G));
    const int32_t residual_dot = hsum_epi32(prepared.dot(residual.quants + b * G));
    sum += half_to_float(w.scales[block]) * (x.scales[b] * float(dot) + residual.scales[b] * float(residual_dot));
  }
  y[r] = sum;
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
    // int8_range.h: maxps returns its second operand for NaN, so NaN becomes -127.
    const __m256 lowest = _mm256_set1_ps(-127.0f), highest = _mm256_set1_ps(127.0f);
    auto scaled = [&](const float* p) { return _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(_mm256_loadu_ps(p), inv), lowest), highest); };
    __m256i sums = _mm256_setzero_si256();
    i = 0;
    for (; i + 32 <= count; i += 32) {
      // cvtps rounds to nearest even under the default MXCSR, like nearbyint
      const __m256i a = _mm256_cvtps_epi32(scaled(src + i));
      const __m256i b2 = _mm256_cvtps_epi32(scaled(src + i + 8));
      const __m256i c = _mm256_cvtps_epi32(scaled(src + i + 16));
      const __m256i d = _mm256_cvtps_epi32(scaled(src + i + 24));
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
      const int8_t value = int8_t(std::nearbyint(sprig::int8_range(src[i] * inverse)));
      q[i] = value;
      sum += value;
    }
    for (size_t j = count; j < out.group; ++j) q[j] = 0;
    out.scales[b] = scale;
    out.sums[b] = sum;
  }
}

// The second term quantizes each block's rounding error x - scale * q, computed with one rounding
// (fma) as the reference does.
void quantize_activations_residual_x86(const float* x, size_t n, QuantizedActivations& main,
                                       QuantizedActivations& residual) {
  quantize_activations_x86(x, n, main);
  float error[128];  // one block; groups are at most 128 (is_valid_group)
  for (size_t b = 0; b < main.blocks; ++b) {
    const size_t begin = b * main.group, count = std::min(n, begin + main.group) - begin;
    const int8_t* q = main.quants + begin;
    const __m256 minus_scale = _mm256_set1_ps(-main.scales[b]);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
      const __m128i q8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + i));
      const __m256 qf = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8));
      _mm256_storeu_ps(error + i, _mm256_fmadd_ps(minus_scale, qf, _mm256_loadu_ps(x + begin + i)));
    }
    for (; i < count; ++i) error[i] = std::fma(-main.scales[b], float(q[i]), x[begin + i]);
    QuantizedActivations block{residual.quants + begin, residual.scales + b, residual.sums + b, 1, main.group};
    quantize_activations_x86(error, count, block);
  }
}

}  // namespace
