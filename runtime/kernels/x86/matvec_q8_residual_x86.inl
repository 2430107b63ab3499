// Decode (matrix x one vector) for q8 weights against two-term activations (reference.h:
// matvec_q8_residual_scalar), shared by the x86 sets; included after matvec_q4_x86.inl.
// Per tile of eight rows and block: each row's weights are made unsigned once and dotted with both
// activation terms; the f16 scales of eight blocks are transposed at once (transpose_halves8).
//
// Making the weights unsigned: with dpbusd (the VNNI sets, Dot::kWideUnsigned) w + 128 = w ^ 0x80
// is the u8 operand as it is, one instruction, and dot(w + 128, x) = dot(w, x) + 128 * sum(x) is
// corrected through the activation block sums (the -128 * sum sits in the start lanes, shared by
// the eight rows). maddubs would saturate on 255 * 127 pairs, so AVX2 keeps |w| and moves the
// signs onto the activations (PreparedBlock). The integer dots are exact either way and the float
// sum repeats the reference's operations in its order: bit for bit the scalar results.
namespace {

// Eight rows' dots with block b against both terms (rows in lanes).
template <size_t G>
inline void q8_residual_dots8(const uint8_t* w, size_t row_bytes, const int8_t* x, const int8_t* r, int32_t x_sum,
                              int32_t r_sum, __m256i& dot, __m256i& residual_dot) {
  __m256i dots[8], residual_dots[8];
  if constexpr (Dot::kWideUnsigned) {
    // -128 * sum spread over the eight lanes of each row: -16 * sum in each.
    const __m256i x_start = _mm256_set1_epi32(-16 * x_sum), r_start = _mm256_set1_epi32(-16 * r_sum);
    const __m256i flip = _mm256_set1_epi8(char(0x80));
    __m256i xv[G / 32], rv[G / 32];
    for (size_t k = 0; k < G / 32; ++k) xv[k] = load256(x + 32 * k), rv[k] = load256(r + 32 * k);
    for (size_t i = 0; i < 8; ++i) {
      dots[i] = x_start;
      residual_dots[i] = r_start;
      for (size_t k = 0; k < G / 32; ++k) {
        const __m256i u = _mm256_xor_si256(load256(w + i * row_bytes + 32 * k), flip);
        dots[i] = Dot::dpbusd(dots[i], u, xv[k]);
        residual_dots[i] = Dot::dpbusd(residual_dots[i], u, rv[k]);
      }
    }
  } else {
    for (size_t i = 0; i < 8; ++i) {
      PreparedBlock<Weights::Q8, G> prepared;
      prepared.load(w + i * row_bytes);
      dots[i] = prepared.dot(x);
      residual_dots[i] = prepared.dot(r);
    }
  }
  dot = reduce8(dots);
  residual_dot = reduce8(residual_dots);
}

// sum += d * (xs * dot + rs * residual_dot), the reference's order.
inline __m256 add_q8_residual_block(__m256 sum, const QuantizedActivations& x, const QuantizedActivations& r, size_t b,
                                    __m256i dot, __m256i residual_dot, __m256 d) {
  const __m256 inner = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(x.scales[b]), _mm256_cvtepi32_ps(dot)),
                                     _mm256_mul_ps(_mm256_set1_ps(r.scales[b]), _mm256_cvtepi32_ps(residual_dot)));
  return _mm256_add_ps(sum, _mm256_mul_ps(d, inner));
}

template <size_t G>
void q8_residual_matvec_rows8(const QuantizedWeights& w, const QuantizedActivations& x,
                              const QuantizedActivations& residual, float* y, size_t r0) {
  const size_t blocks = w.blocks_per_row, row_bytes = blocks * G;
  const uint8_t* tile = w.quants + r0 * row_bytes;
  const uint16_t* scales = w.scales + r0 * blocks;
  __m256 sum = _mm256_setzero_ps();
  auto add_block = [&](size_t b, __m256 d) {
    prefetch_tile8(tile, row_bytes, G, b, 1);
    __m256i dot, residual_dot;
    q8_residual_dots8<G>(tile + b * G, row_bytes, x.quants + b * G, residual.quants + b * G, x.sums[b],
                         residual.sums[b], dot, residual_dot);
    sum = add_q8_residual_block(sum, x, residual, b, dot, residual_dot, d);
  };
  size_t b = 0;
  for (; b + 8 <= blocks; b += 8) {
    __m256 d[8];
    transpose_halves8(scales + b, blocks, d);
    for (size_t j = 0; j < 8; ++j) add_block(b + j, d[j]);
  }
  for (; b < blocks; ++b) add_block(b, gather_halves(scales + b, blocks));
  _mm256_storeu_ps(y + r0, sum);
}

template <size_t G>
void q8_residual_matvec_rows(const QuantizedWeights& w, const QuantizedActivations& x,
                             const QuantizedActivations& residual, float* y, size_t begin, size_t end) {
  size_t r = begin;
  for (; r + 8 <= end; r += 8) q8_residual_matvec_rows8<G>(w, x, residual, y, r);
  for (; r < end; ++r) q8_residual_row1<G>(w, x, residual, y, r);
}

void q8_residual_matvec_x86(const QuantizedWeights& w, const QuantizedActivations& x,
                            const QuantizedActivations& residual, float* y, size_t begin, size_t end) {
  switch (w.group) {
    case 32: return q8_residual_matvec_rows<32>(w, x, residual, y, begin, end);
    case 64: return q8_residual_matvec_rows<64>(w, x, residual, y, begin, end);
    case 128: return q8_residual_matvec_rows<128>(w, x, residual, y, begin, end);
    default: break;  // the model loader admits only these groups
  }
}

}  // namespace
