// Decode (matrix x one vector) for 4-bit weights, q4 and q4a, shared by the x86 sets; included
// after quantized_x86.inl. Decode streams every weight once, so the kernel must spend fewer
// instructions per byte than memory delivers; the generic rows8 (quantized_x86.inl) spent most
// of its time unpacking 16-byte blocks one at a time, reducing each block's lanes separately and
// gathering each block's eight f16 scales element by element. Here, per tile of eight rows:
//
// - group 32: one 32-byte load holds two consecutive blocks of a row (16 bytes each: low nibbles
//   elements 0-15, high nibbles 16-31). Masking and one shift give the unsigned nibbles of both
//   blocks, which are the u8 operand of dpbusd/maddubs as they are (the -8 offset of q4 and the
//   minimum of q4a come in afterwards through the activation block sums). The activations of the
//   two blocks are rearranged once per tile to match ([x_b 0-15 | x_b+1 0-15] and the same for
//   16-31), so each row costs one load, three logic ops and two dots per pair of blocks, and the
//   eight rows' lanes reduce to both blocks' sums with six hadds and two permutes.
// - the f16 scales (and q4a minimums) of eight blocks of the eight rows are loaded as eight
//   16-byte rows and transposed (24 unpacks) instead of 64 scalar inserts.
//
// The float part is unchanged: one row per lane, blocks in order, the reference's multiplies and
// adds (no FMA), so the results stay the scalar ones bit for bit (test_kernel_sets).
namespace {

// The activations of blocks b and b + 1 (group 32) in the order of one 32-byte weight load.
struct PairActivations {
  __m256i low, high;  // elements 0-15 of both blocks; elements 16-31 of both blocks
};

inline PairActivations pair_activations(const int8_t* x) {
  const __m256i first = load256(x), second = load256(x + 32);
  return {_mm256_permute2x128_si256(first, second, 0x20), _mm256_permute2x128_si256(first, second, 0x31)};
}

// Eight rows' dots with blocks b, b + 1 (group 32): rows in lanes, one vector per block. `start`
// is added to every row's lanes before the sums (q4 puts its -8 * sum offsets there, once for all
// rows, instead of a subtraction per block).
inline void pair_dots8(const uint8_t* const rows[8], size_t offset, const PairActivations& x, __m256i start,
                       __m256i& first, __m256i& second) {
  const __m256i mask = _mm256_set1_epi8(0x0f);
  __m256i v[8];
  for (size_t i = 0; i < 8; ++i) {
    const __m256i bytes = load256(rows[i] + offset);
    v[i] = Dot::nibble_dot2(start, _mm256_and_si256(bytes, mask), x.low,
                            _mm256_and_si256(_mm256_srli_epi16(bytes, 4), mask), x.high);
  }
  // hadd twice: each 128-bit half holds four rows' sums for one block (low half b, high half b + 1).
  const __m256i rows0123 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[0], v[1]), _mm256_hadd_epi32(v[2], v[3]));
  const __m256i rows4567 = _mm256_hadd_epi32(_mm256_hadd_epi32(v[4], v[5]), _mm256_hadd_epi32(v[6], v[7]));
  first = _mm256_permute2x128_si256(rows0123, rows4567, 0x20);
  second = _mm256_permute2x128_si256(rows0123, rows4567, 0x31);
}

// The start lanes for blocks b, b + 1: q4's -8 * sum in one lane of each block's half, else zero.
template <Weights T>
inline __m256i pair_start(const QuantizedActivations& x, size_t b) {
  if constexpr (T == Weights::Q4)
    return _mm256_setr_epi32(-8 * x.sums[b], 0, 0, 0, -8 * x.sums[b + 1], 0, 0, 0);
  else
    return _mm256_setzero_si256();
}

// Eight rows' dots with one block of group G: rows in lanes.
template <size_t G>
inline __m256i block_dots8(const uint8_t* const rows[8], size_t offset, const int8_t* x) {
  __m256i dots[8];
  for (size_t i = 0; i < 8; ++i) {
    PreparedBlock<Weights::Q4, G> prepared;
    prepared.load(rows[i] + offset);
    dots[i] = prepared.dot(x);
  }
  return reduce8(dots);
}

// Eight f16 values per row for eight rows (row i at p + i * stride), transposed: out[j] holds
// the eight rows' value j as f32, row i in lane i.
inline void transpose_halves8(const uint16_t* p, size_t stride, __m256 out[8]) {
  __m128i a[8];
  for (size_t i = 0; i < 8; ++i) a[i] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i * stride));
  const __m128i s0 = _mm_unpacklo_epi16(a[0], a[1]), s1 = _mm_unpackhi_epi16(a[0], a[1]);
  const __m128i s2 = _mm_unpacklo_epi16(a[2], a[3]), s3 = _mm_unpackhi_epi16(a[2], a[3]);
  const __m128i s4 = _mm_unpacklo_epi16(a[4], a[5]), s5 = _mm_unpackhi_epi16(a[4], a[5]);
  const __m128i s6 = _mm_unpacklo_epi16(a[6], a[7]), s7 = _mm_unpackhi_epi16(a[6], a[7]);
  // rows 0-3 (t0-t3) and 4-7 (t4-t7), two values each: (0,1) (2,3) (4,5) (6,7)
  const __m128i t0 = _mm_unpacklo_epi32(s0, s2), t1 = _mm_unpackhi_epi32(s0, s2);
  const __m128i t2 = _mm_unpacklo_epi32(s1, s3), t3 = _mm_unpackhi_epi32(s1, s3);
  const __m128i t4 = _mm_unpacklo_epi32(s4, s6), t5 = _mm_unpackhi_epi32(s4, s6);
  const __m128i t6 = _mm_unpacklo_epi32(s5, s7), t7 = _mm_unpackhi_epi32(s5, s7);
  out[0] = _mm256_cvtph_ps(_mm_unpacklo_epi64(t0, t4));
  out[1] = _mm256_cvtph_ps(_mm_unpackhi_epi64(t0, t4));
  out[2] = _mm256_cvtph_ps(_mm_unpacklo_epi64(t1, t5));
  out[3] = _mm256_cvtph_ps(_mm_unpackhi_epi64(t1, t5));
  out[4] = _mm256_cvtph_ps(_mm_unpacklo_epi64(t2, t6));
  out[5] = _mm256_cvtph_ps(_mm_unpackhi_epi64(t2, t6));
  out[6] = _mm256_cvtph_ps(_mm_unpacklo_epi64(t3, t7));
  out[7] = _mm256_cvtph_ps(_mm_unpackhi_epi64(t3, t7));
}

// sum += block b's term for eight rows, exactly as matvec_q4_scalar / matvec_q4a_scalar. For q4,
// `dot` already holds dot - 8 * sum when `offset_applied`.
template <Weights T, bool offset_applied = false>
inline __m256 add_block(__m256 sum, const QuantizedActivations& x, size_t b, __m256i dot, __m256 d, __m256 m) {
  const __m256 xs = _mm256_set1_ps(x.scales[b]);
  if constexpr (T == Weights::Q4) {  // stored nibble = q + 8
    if constexpr (!offset_applied) dot = _mm256_sub_epi32(dot, _mm256_set1_epi32(8 * x.sums[b]));
    return _mm256_add_ps(sum, _mm256_mul_ps(_mm256_mul_ps(d, xs), _mm256_cvtepi32_ps(dot)));
  } else {  // xs * (d * dot + m * sum)
    const __m256 inner = _mm256_add_ps(_mm256_mul_ps(d, _mm256_cvtepi32_ps(dot)),
                                       _mm256_mul_ps(m, _mm256_set1_ps(float(x.sums[b]))));
    return _mm256_add_ps(sum, _mm256_mul_ps(xs, inner));
  }
}

// Blocks b, b + 1 of eight rows (group 32), added to sum in order.
template <Weights T>
inline __m256 add_pair(__m256 sum, const uint8_t* const rows[8], const QuantizedActivations& x, size_t b, __m256 d0,
                       __m256 m0, __m256 d1, __m256 m1) {
  __m256i first, second;
  pair_dots8(rows, b * 16, pair_activations(x.quants + b * 32), pair_start<T>(x, b), first, second);
  sum = add_block<T, true>(sum, x, b, first, d0, m0);
  return add_block<T, true>(sum, x, b + 1, second, d1, m1);
}

template <Weights T, size_t G>
void q4_matvec_rows8(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t r0) {
  constexpr size_t kBlockBytes = G / 2;
  const size_t blocks = w.blocks_per_row;
  const uint8_t* rows[8];
  for (size_t i = 0; i < 8; ++i) rows[i] = w.quants + (r0 + i) * blocks * kBlockBytes;
  const uint16_t* scales = w.scales + r0 * blocks;
  const uint16_t* mins = T == Weights::Q4A ? w.mins + r0 * blocks : nullptr;  // q4 has none
  __m256 sum = _mm256_setzero_ps();
  size_t b = 0;
  for (; b + 8 <= blocks; b += 8) {
    __m256 d[8], minimums[8];
    transpose_halves8(scales + b, blocks, d);
    if constexpr (T == Weights::Q4A) transpose_halves8(mins + b, blocks, minimums);
    const __m256* m = T == Weights::Q4A ? minimums : d;  // unused by q4
    if constexpr (G == 32) {
      for (size_t j = 0; j < 8; j += 2) {
        prefetch_tile8(rows[0], blocks * kBlockBytes, kBlockBytes, b + j, 2);
        sum = add_pair<T>(sum, rows, x, b + j, d[j], m[j], d[j + 1], m[j + 1]);
      }
    } else {
      for (size_t j = 0; j < 8; ++j) {
        prefetch_tile8(rows[0], blocks * kBlockBytes, kBlockBytes, b + j, 1);
        sum = add_block<T>(sum, x, b + j, block_dots8<G>(rows, (b + j) * kBlockBytes, x.quants + (b + j) * G), d[j],
                           m[j]);
      }
    }
  }
  // Fewer than eight blocks left: scales gathered one block at a time, group 32 still in pairs.
  if constexpr (G == 32)
    for (; b + 2 <= blocks; b += 2) {
      const __m256 d0 = gather_halves(scales + b, blocks), d1 = gather_halves(scales + b + 1, blocks);
      const __m256 m0 = T == Weights::Q4A ? gather_halves(mins + b, blocks) : d0;
      const __m256 m1 = T == Weights::Q4A ? gather_halves(mins + b + 1, blocks) : d1;
      sum = add_pair<T>(sum, rows, x, b, d0, m0, d1, m1);
    }
  for (; b < blocks; ++b) {
    const __m256 d = gather_halves(scales + b, blocks);
    const __m256 m = T == Weights::Q4A ? gather_halves(mins + b, blocks) : d;
    sum = add_block<T>(sum, x, b, block_dots8<G>(rows, b * kBlockBytes, x.quants + b * G), d, m);
  }
  _mm256_storeu_ps(y + r0, sum);
}

template <Weights T, size_t G>
void q4_matvec_rows(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin, size_t end) {
  size_t r = begin;
  for (; r + 8 <= end; r += 8) q4_matvec_rows8<T, G>(w, x, y, r);
  for (; r < end; ++r) row1<T, G>(w, x, y, r);
}

template <Weights T>
void q4_matvec(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin, size_t end) {
  switch (w.group) {
    case 32: return q4_matvec_rows<T, 32>(w, x, y, begin, end);
    case 64: return q4_matvec_rows<T, 64>(w, x, y, begin, end);
    case 128: return q4_matvec_rows<T, 128>(w, x, y, begin, end);
    default: break;  // the model loader admits only these groups
  }
}

}  // namespace
