// Prefill GEMM for quantized weights (q8, q8 with two-term activations, q4, q4a) shared by the
// x86 sets. Each set's file includes this after its own headers; the instruction set is picked
// here from the macros its flags define, and everything has internal linkage, so the copies built
// with different flags never merge (tests/isa_objects_test.sh).
//
// The shape of the work: a tile of L output rows (one per vector lane) x T prompt tokens is
// accumulated in registers. The weights of L rows are first repacked (for a chunk of columns, into
// a panel on the stack) so that one vector holds 4 consecutive weights of each of the L rows; one
// vpdpbusd then multiplies it with 4 activation bytes broadcast to every lane. Each weight vector
// loaded serves T tokens, the repack serves all of the batch's tokens, and no horizontal sums are
// needed because lanes are rows.
//
// Exactness: each block's integer dot is exact (vpdpbusd takes unsigned weights: q4 nibbles as
// stored, q8 weights + 128; the offsets are taken back with the activation block sums, exactly in
// int32). The float sum over blocks then repeats the scalar reference's operations in its order,
// one row per lane, no FMA (the files build with -ffp-contract=off), so every output equals
// gemm_*_scalar bit for bit. A column chunk's partial sums wait in y as floats, which is exact.
namespace {

enum class GemmWeights { Q8, Q8Residual, Q4, Q4A };

constexpr bool is_q8(GemmWeights k) { return k == GemmWeights::Q8 || k == GemmWeights::Q8Residual; }

inline int32_t load_dword(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

#if defined(__AVX512VNNI__)
// 16 rows per 512-bit vector, 8 tokens per tile (16 int32 + 8 float accumulators of the 32 zmm
// with two-term q8; 8 + 8 otherwise), vpdpbusd with the activation broadcast from memory.
struct GemmIsa {
  static constexpr size_t kLanes = 16, kTokens = 8;
  static constexpr int32_t kQ8Offset = 128;  // q8 weights are packed as w ^ 0x80 = w + 128
  using I = __m512i;
  using F = __m512;
  using Prepared = __m512i;
  static I load(const uint8_t* p) { return _mm512_load_si512(p); }
  static I set1(int32_t v) { return _mm512_set1_epi32(v); }
  static Prepared prepare(I w, bool) { return w; }
  // Inline assembly: the intrinsic made GCC 12 copy every accumulator once per step and load the
  // broadcast separately; this is one instruction with the activation broadcast from memory.
  static I dot4(I acc, Prepared w, const int8_t* x, bool) {
    asm("vpdpbusd %2%{1to16%}, %1, %0" : "+v"(acc) : "v"(w), "m"(*reinterpret_cast<const int32_t*>(x)));
    return acc;
  }
  // (maskz with every lane: GCC 12 warns about the undefined pass-through of the plain form)
  static F to_float(I v) { return _mm512_maskz_cvtepi32_ps(__mmask16(0xffff), v); }
  static F fset1(float v) { return _mm512_set1_ps(v); }
  static F fzero() { return _mm512_setzero_ps(); }
  static F fload(const float* p) { return _mm512_load_ps(p); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static __mmask16 mask(size_t n) { return __mmask16((1u << n) - 1); }
  static F load_rows(const float* y, size_t n) { return _mm512_maskz_loadu_ps(mask(n), y); }
  static void store_rows(float* y, F v, size_t n) { _mm512_mask_storeu_ps(y, mask(n), v); }
};
#define SPRIG_GEMM_KERNEL(op) op##_16x8__avx512vnni
#else
// 8 rows per 256-bit vector, 4 tokens per tile (16 ymm registers without AVX-512).
struct GemmIsaAvx256 {
  static constexpr size_t kLanes = 8, kTokens = 4;
  using I = __m256i;
  using F = __m256;
  static I load(const uint8_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
  static I set1(int32_t v) { return _mm256_set1_epi32(v); }
  static F to_float(I v) { return _mm256_cvtepi32_ps(v); }
  static F fset1(float v) { return _mm256_set1_ps(v); }
  static F fzero() { return _mm256_setzero_ps(); }
  static F fload(const float* p) { return _mm256_load_ps(p); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F load_rows(const float* y, size_t n) {
    if (n == 8) return _mm256_loadu_ps(y);
    alignas(32) float t[8] = {};
    for (size_t i = 0; i < n; ++i) t[i] = y[i];
    return _mm256_load_ps(t);
  }
  static void store_rows(float* y, F v, size_t n) {
    if (n == 8) return _mm256_storeu_ps(y, v);
    alignas(32) float t[8];
    _mm256_store_ps(t, v);
    for (size_t i = 0; i < n; ++i) y[i] = t[i];
  }
};
#if defined(__AVXVNNI__)
struct GemmIsa : GemmIsaAvx256 {
  static constexpr int32_t kQ8Offset = 128;
  using Prepared = __m256i;
  static Prepared prepare(I w, bool) { return w; }
  // Inline assembly for the same reason as with AVX-512 (accumulators copied every step).
  static I dot4(I acc, Prepared w, const int8_t* x, bool) {
    const __m256i xb = _mm256_set1_epi32(load_dword(x));
    asm("%{vex%} vpdpbusd %2, %1, %0" : "+x"(acc) : "x"(w), "x"(xb));
    return acc;
  }
};
#define SPRIG_GEMM_KERNEL(op) op##_8x4__avxvnni
#else
// maddubs (u8 x s8 -> pairs in int16, saturating) + madd: 4-bit weights are small enough as
// they are; q8 weights stay signed in the panel and their signs move onto the activations
// (|w| * sign(x, w): pairs at most 2 * 128 * 127 < 32767), so no offset is needed.
struct GemmIsa : GemmIsaAvx256 {
  static constexpr int32_t kQ8Offset = 0;
  struct Prepared {
    __m256i u, w;
  };
  static Prepared prepare(I w, bool q8) { return {q8 ? _mm256_sign_epi8(w, w) : w, w}; }
  static I dot4(I acc, Prepared w, const int8_t* x, bool q8) {
    __m256i s = _mm256_set1_epi32(load_dword(x));
    if (q8) s = _mm256_sign_epi8(s, w.w);
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(w.u, s), _mm256_set1_epi16(1)));
  }
};
#define SPRIG_GEMM_KERNEL(op) op##_8x4__avx2
#endif
#endif

constexpr size_t kPanelColumns = 1024;  // weights repacked per step: L x 1024 bytes on the stack

// L rows x a chunk of blocks, repacked: for block b and step s (4 columns), the vector at
// quants[(b * steps + s) * L * 4] holds in lane i the 4 weights of row i at columns 4s..4s+3 of
// the block (unsigned: nibbles, or q8 + offset). Rows past the matrix are zero.
struct alignas(64) GemmPanel {
  uint8_t quants[GemmIsa::kLanes * kPanelColumns];
  float scales[GemmIsa::kLanes * (kPanelColumns / 32)];
  float mins[GemmIsa::kLanes * (kPanelColumns / 32)];
};

#if defined(__AVX512VNNI__)
// GCC 12's unpack and shuffle intrinsics start from _mm512_undefined_*, which -Wmaybe-uninitialized
// reports wherever they are inlined; the values are all defined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// A 16 x 16 transpose of 32-bit elements: afterwards r[c] holds in lane i what was r[i]'s lane c
// (within 128-bit lanes, then across them: 64 shuffles).
inline void transpose16x16(__m512i r[16]) {
  __m512i t[16], u[16];
  for (size_t k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
  }
  for (size_t k = 0; k < 4; ++k) {  // u[4k + m], 128-bit lane l: rows 4k..4k+3 at column 4l + m
    u[4 * k] = _mm512_unpacklo_epi64(t[4 * k], t[4 * k + 2]);
    u[4 * k + 1] = _mm512_unpackhi_epi64(t[4 * k], t[4 * k + 2]);
    u[4 * k + 2] = _mm512_unpacklo_epi64(t[4 * k + 1], t[4 * k + 3]);
    u[4 * k + 3] = _mm512_unpackhi_epi64(t[4 * k + 1], t[4 * k + 3]);
  }
  for (size_t m = 0; m < 4; ++m) {
    const __m512i v0 = _mm512_shuffle_i32x4(u[m], u[4 + m], 0x44), v1 = _mm512_shuffle_i32x4(u[m], u[4 + m], 0xee);
    const __m512i v2 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], 0x44);
    const __m512i v3 = _mm512_shuffle_i32x4(u[8 + m], u[12 + m], 0xee);
    r[m] = _mm512_shuffle_i32x4(v0, v2, 0x88);
    r[4 + m] = _mm512_shuffle_i32x4(v0, v2, 0xdd);
    r[8 + m] = _mm512_shuffle_i32x4(v1, v3, 0x88);
    r[12 + m] = _mm512_shuffle_i32x4(v1, v3, 0xdd);
  }
}
#endif

template <GemmWeights K>
void pack_panel(const QuantizedWeights& w, size_t r0, size_t rows, size_t b0, size_t count, GemmPanel& panel) {
  constexpr size_t L = GemmIsa::kLanes;
  const size_t group = w.group, steps = group / 4, blocks = w.blocks_per_row;
  // q8 + 128 is the byte with its top bit flipped
  const uint32_t flip = is_q8(K) && GemmIsa::kQ8Offset ? 0x80808080u : 0;
  // Dwords of each row's chunk (u = block * dwords per block + dword) packed by the vector path;
  // the loop below does the rest one dword at a time.
  size_t fast = 0;
#if defined(__AVX512VNNI__)
  if (rows == L) {
    const size_t block_bytes = is_q8(K) ? group : group / 2, block_dwords = block_bytes / 4;
    const uint8_t* base = w.quants + (r0 * blocks + b0) * block_bytes;
    const __m512i flip_bits = _mm512_set1_epi32(int32_t(flip)), nibbles = _mm512_set1_epi8(0x0f);
    for (; fast + 16 <= count * block_dwords; fast += 16) {
      __m512i v[16];
      for (size_t i = 0; i < 16; ++i) v[i] = _mm512_loadu_si512(base + i * blocks * block_bytes + fast * 4);
      transpose16x16(v);
      for (size_t c = 0; c < 16; ++c) {
        const size_t u = fast + c;
        if constexpr (is_q8(K)) {
          _mm512_store_si512(panel.quants + u * L * 4, _mm512_xor_si512(v[c], flip_bits));
        } else {
          const size_t bb = u / block_dwords, j = u % block_dwords;
          uint8_t* out = panel.quants + (bb * steps + j) * L * 4;
          _mm512_store_si512(out, _mm512_and_si512(v[c], nibbles));
          _mm512_store_si512(out + block_dwords * L * 4, _mm512_and_si512(_mm512_srli_epi32(v[c], 4), nibbles));
        }
      }
    }
  }
#endif
  for (size_t i = 0; i < L; ++i) {
    const size_t row = r0 + i;
    for (size_t bb = 0; bb < count; ++bb) {
      uint8_t* out = panel.quants + bb * steps * L * 4 + i * 4;
      if (i >= rows) {
        for (size_t s = 0; s < steps; ++s) std::memset(out + s * L * 4, 0, 4);
        panel.scales[bb * L + i] = 0.0f;
        panel.mins[bb * L + i] = 0.0f;
        continue;
      }
      const size_t block = row * blocks + b0 + bb;
      if constexpr (is_q8(K)) {
        const uint8_t* src = w.quants + block * group;
        for (size_t s = bb * steps < fast ? std::min(steps, fast - bb * steps) : 0; s < steps; ++s) {
          const uint32_t v = uint32_t(load_dword(src + 4 * s)) ^ flip;
          std::memcpy(out + s * L * 4, &v, 4);
        }
      } else {
        // byte j holds element j (low nibble) and j + group / 2 (high nibble)
        const uint8_t* src = w.quants + block * group / 2;
        const size_t done = bb * (steps / 2) < fast ? std::min(steps / 2, fast - bb * (steps / 2)) : 0;
        for (size_t s = done; s < steps / 2; ++s) {
          const uint32_t v = uint32_t(load_dword(src + 4 * s));
          const uint32_t low = v & 0x0f0f0f0fu, high = (v >> 4) & 0x0f0f0f0fu;
          std::memcpy(out + s * L * 4, &low, 4);
          std::memcpy(out + (s + steps / 2) * L * 4, &high, 4);
        }
      }
      panel.scales[bb * L + i] = _cvtsh_ss(w.scales[block]);
      if constexpr (K == GemmWeights::Q4A) panel.mins[bb * L + i] = _cvtsh_ss(w.mins[block]);
    }
  }
}
#if defined(__AVX512VNNI__)
#pragma GCC diagnostic pop
#endif

// The int32 value a block's accumulator starts from: minus the weight offset times the block's
// activation sum (q4 nibbles are q + 8; packed q8 weights are w + kQ8Offset), so it ends at the
// reference's dot. q4a keeps the raw nibble dot (its minimum multiplies the sum in float).
template <GemmWeights K>
constexpr int32_t weight_offset() {
  return K == GemmWeights::Q4 ? 8 : K == GemmWeights::Q4A ? 0 : GemmIsa::kQ8Offset;
}

// L rows x T tokens (n0..n0+T) over the panel's blocks (b0..b0+count of the row), added to the
// partial sums in y (or to zero for the first chunk).
template <GemmWeights K, size_t T>
void gemm_tile(const GemmPanel& panel, size_t b0, size_t count, const QuantizedBatch& x, const QuantizedBatch& r,
               size_t n0, float* y, size_t y_stride, size_t rows, bool first) {
  using Isa = GemmIsa;
  using I = Isa::I;
  using F = Isa::F;
  constexpr size_t L = Isa::kLanes;
  constexpr bool two = K == GemmWeights::Q8Residual;
  constexpr int32_t offset = weight_offset<K>();
  const size_t group = x.group, steps = group / 4, blocks = x.blocks;
  F sum[T];
#pragma GCC unroll 8
  for (size_t t = 0; t < T; ++t) sum[t] = first ? Isa::fzero() : Isa::load_rows(y + (n0 + t) * y_stride, rows);
  for (size_t bb = 0; bb < count; ++bb) {
    const size_t b = b0 + bb;
    I acc[T], racc[two ? T : 1];
    const int8_t* xq[T];
    const int8_t* rq[two ? T : 1];
#pragma GCC unroll 8
    for (size_t t = 0; t < T; ++t) {
      const size_t block = (n0 + t) * blocks + b;
      acc[t] = Isa::set1(-offset * x.sums[block]);
      xq[t] = x.quants + block * group;
      if constexpr (two) {
        racc[t] = Isa::set1(-offset * r.sums[block]);
        rq[t] = r.quants + block * group;
      }
    }
    const uint8_t* wq = panel.quants + bb * steps * L * 4;
    for (size_t s = 0; s < steps; ++s) {
      const typename Isa::Prepared w = Isa::prepare(Isa::load(wq + s * L * 4), is_q8(K));
#pragma GCC unroll 8
      for (size_t t = 0; t < T; ++t) {
        acc[t] = Isa::dot4(acc[t], w, xq[t] + 4 * s, is_q8(K));
        if constexpr (two) racc[t] = Isa::dot4(racc[t], w, rq[t] + 4 * s, true);
      }
    }
    const F d = Isa::fload(panel.scales + bb * L);
#pragma GCC unroll 8
    for (size_t t = 0; t < T; ++t) {
      const size_t block = (n0 + t) * blocks + b;
      F term;
      if constexpr (K == GemmWeights::Q8 || K == GemmWeights::Q4) {
        term = Isa::mul(Isa::mul(d, Isa::fset1(x.scales[block])), Isa::to_float(acc[t]));
      } else if constexpr (K == GemmWeights::Q4A) {  // xs * (d * dot + m * sum)
        const F inner = Isa::add(Isa::mul(d, Isa::to_float(acc[t])),
                                 Isa::mul(Isa::fload(panel.mins + bb * L), Isa::fset1(float(x.sums[block]))));
        term = Isa::mul(Isa::fset1(x.scales[block]), inner);
      } else {  // d * (xs * dot + rs * residual_dot)
        const F inner = Isa::add(Isa::mul(Isa::fset1(x.scales[block]), Isa::to_float(acc[t])),
                                 Isa::mul(Isa::fset1(r.scales[block]), Isa::to_float(racc[t])));
        term = Isa::mul(d, inner);
      }
      sum[t] = Isa::add(sum[t], term);
    }
  }
#pragma GCC unroll 8
  for (size_t t = 0; t < T; ++t) Isa::store_rows(y + (n0 + t) * y_stride, sum[t], rows);
}

// Rows [begin, end) in tiles of L, each repacked one column chunk at a time and run against all
// tokens (tiles of T, then 4, then 1 for the rest of the batch).
template <GemmWeights K>
void gemm_rows(const QuantizedWeights& w, const QuantizedBatch& x, const QuantizedBatch& r, float* y,
               size_t y_stride, size_t begin, size_t end) {
  constexpr size_t L = GemmIsa::kLanes, T = GemmIsa::kTokens;
  if (w.group % 32 != 0 || w.group > kPanelColumns) return;  // the model loader admits 32, 64, 128
  GemmPanel panel;
  const size_t chunk = kPanelColumns / w.group, blocks = w.blocks_per_row;
  for (size_t r0 = begin; r0 < end; r0 += L) {
    const size_t rows = std::min(L, end - r0);
    for (size_t b0 = 0; b0 < blocks; b0 += chunk) {
      const size_t count = std::min(chunk, blocks - b0);
      pack_panel<K>(w, r0, rows, b0, count, panel);
      float* out = y + r0;
      size_t n = 0;
      for (; n + T <= x.count; n += T) gemm_tile<K, T>(panel, b0, count, x, r, n, out, y_stride, rows, b0 == 0);
      if constexpr (T > 4)
        for (; n + 4 <= x.count; n += 4) gemm_tile<K, 4>(panel, b0, count, x, r, n, out, y_stride, rows, b0 == 0);
      for (; n < x.count; ++n) gemm_tile<K, 1>(panel, b0, count, x, r, n, out, y_stride, rows, b0 == 0);
    }
  }
}

// The kernel set's entries, named by weights x activations, tile (rows x tokens) and ISA.
void SPRIG_GEMM_KERNEL(gemm_q8xq8)(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                                   size_t begin, size_t end) {
  gemm_rows<GemmWeights::Q8>(w, x, x, y, y_stride, begin, end);
}
void SPRIG_GEMM_KERNEL(gemm_q8xq8x2)(const QuantizedWeights& w, const QuantizedBatch& x,
                                     const QuantizedBatch& residual, float* y, size_t y_stride, size_t begin,
                                     size_t end) {
  gemm_rows<GemmWeights::Q8Residual>(w, x, residual, y, y_stride, begin, end);
}
void SPRIG_GEMM_KERNEL(gemm_q4xq8)(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                                   size_t begin, size_t end) {
  gemm_rows<GemmWeights::Q4>(w, x, x, y, y_stride, begin, end);
}
void SPRIG_GEMM_KERNEL(gemm_q4axq8)(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                                    size_t begin, size_t end) {
  gemm_rows<GemmWeights::Q4A>(w, x, x, y, y_stride, begin, end);
}

}  // namespace
