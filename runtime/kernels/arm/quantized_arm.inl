// The quantized matvec/gemm bodies shared by the ARM sets (aarch64 and armv7). Each set's file
// includes this after defining `struct Dot` with dot16(acc, a, b): acc plus the products of 16
// int8 pairs in four int32 lanes (NEON widening multiplies, or SDOT), and is compiled with its
// own flags. Everything here has internal linkage on purpose: each kernel file compiles its own
// copy with its own -march flags. An inline function with external linkage would be merged by the
// linker with the copy from a file built for a newer ISA, and a Cortex-A72 could end up executing
// that one (tests/isa_objects_test.sh checks the objects).
//
// The integer block dots are exact, and each (row, vector) sum runs over the blocks in the scalar
// reference's order with its float operations (kernel_set.h: the exactness every set keeps; the
// build has -ffp-contract=off, so nothing here is fused into an FMA): the results are the scalar
// ones bit for bit.
namespace sprig::kernels {
namespace {

enum class Weights { Q8, Q4, Q4A };

inline int32_t add_lanes(int32x4_t v) {
#if defined(__aarch64__)
  return vaddvq_s32(v);
#else
  const int32x2_t pairs = vadd_s32(vget_low_s32(v), vget_high_s32(v));
  return vget_lane_s32(vpadd_s32(pairs, pairs), 0);
#endif
}

inline float f16_scale(uint16_t bits) {
#if defined(__aarch64__)
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(bits))), 0);
#else
  return f16_to_f32(bits);  // armv7 kernels build with the baseline flags, so sharing it is safe
#endif
}

constexpr size_t block_bytes(Weights kind, size_t group) { return kind == Weights::Q8 ? group : group / 2; }

// The dots of one weight block with V activation blocks (`group` int8 each, group a multiple of
// 32), the weights loaded (and 4-bit ones unpacked) once for all V. q4 byte j holds element j
// (low nibble) and j + group/2 (high nibble), so one mask and one shift give two runs of 16
// consecutive elements. Two accumulators per vector: even and odd 16-element runs.
template <Weights kind, size_t V>
inline void block_dots(const uint8_t* w, const int8_t* const x[V], size_t group, int32_t dots[V]) {
  int32x4_t even[V], odd[V];
  for (size_t v = 0; v < V; ++v) even[v] = odd[v] = vdupq_n_s32(0);
  if constexpr (kind == Weights::Q8) {
    const int8_t* wq = reinterpret_cast<const int8_t*>(w);
    for (size_t k = 0; k < group; k += 32) {
      const int8x16_t w0 = vld1q_s8(wq + k), w1 = vld1q_s8(wq + k + 16);
      for (size_t v = 0; v < V; ++v) {
        even[v] = Dot::dot16(even[v], w0, vld1q_s8(x[v] + k));
        odd[v] = Dot::dot16(odd[v], w1, vld1q_s8(x[v] + k + 16));
      }
    }
  } else {
    const size_t half = group / 2;
    const uint8x16_t low_mask = vdupq_n_u8(0x0f);
    for (size_t j = 0; j < half; j += 16) {
      const uint8x16_t bytes = vld1q_u8(w + j);
      const int8x16_t low = vreinterpretq_s8_u8(vandq_u8(bytes, low_mask));
      const int8x16_t high = vreinterpretq_s8_u8(vshrq_n_u8(bytes, 4));
      for (size_t v = 0; v < V; ++v) {
        even[v] = Dot::dot16(even[v], low, vld1q_s8(x[v] + j));
        odd[v] = Dot::dot16(odd[v], high, vld1q_s8(x[v] + half + j));
      }
    }
  }
  for (size_t v = 0; v < V; ++v) dots[v] = add_lanes(vaddq_s32(even[v], odd[v]));
}

// One block's contribution to a row's sum, in the scalar reference's operations and order.
template <Weights kind>
inline float block_term(const QuantizedWeights& w, size_t block, float x_scale, int32_t x_sum, int32_t dot) {
  const float d = f16_scale(w.scales[block]);
  if constexpr (kind == Weights::Q8) return d * x_scale * float(dot);
  if constexpr (kind == Weights::Q4) return d * x_scale * float(dot - 8 * x_sum);  // the stored nibble is q + 8
  if constexpr (kind == Weights::Q4A) return x_scale * (d * float(dot) + f16_scale(w.mins[block]) * float(x_sum));
}
// q8 weights against two-term activations (reference.h): d * (xs * dot + rs * residual_dot).
inline float block_term_residual(const QuantizedWeights& w, size_t block, float x_scale, int32_t dot,
                                 float residual_scale, int32_t residual_dot) {
  return f16_scale(w.scales[block]) * (x_scale * float(dot) + residual_scale * float(residual_dot));
}

// Rows [begin, end) against T consecutive vectors of a batch from `first` (T = 4 for prefill, 1
// for decode and the remainder): each block of a row is loaded once for the T vectors (and, with
// a residual batch, for their second terms too). y of vector i, row r at y[i * y_stride + r].
template <Weights kind, size_t T, bool two_terms>
void rows_times_vectors(const QuantizedWeights& w, const QuantizedBatch& x, const QuantizedBatch* residual,
                        size_t first, float* y, size_t y_stride, size_t begin, size_t end) {
  constexpr size_t V = two_terms ? 2 * T : T;
  const size_t vector_elements = x.blocks * x.group;
  for (size_t r = begin; r < end; ++r) {
    float sum[T] = {};
    for (size_t b = 0; b < w.blocks_per_row; ++b) {
      const size_t block = r * w.blocks_per_row + b;
      const int8_t* xq[V];
      for (size_t v = 0; v < T; ++v) {
        xq[v] = x.quants + (first + v) * vector_elements + b * x.group;
        if constexpr (two_terms) xq[T + v] = residual->quants + (first + v) * vector_elements + b * x.group;
      }
      int32_t dots[V];
      block_dots<kind, V>(w.quants + block * block_bytes(kind, w.group), xq, w.group, dots);
      for (size_t v = 0; v < T; ++v) {
        const size_t at = (first + v) * x.blocks + b;
        if constexpr (two_terms)
          sum[v] += block_term_residual(w, block, x.scales[at], dots[v], residual->scales[at], dots[T + v]);
        else
          sum[v] += block_term<kind>(w, block, x.scales[at], x.sums[at], dots[v]);
      }
    }
    for (size_t v = 0; v < T; ++v) y[(first + v) * y_stride + r] = sum[v];
  }
}

// The batched (prefill) form, 1 row x 4 vectors, and a remainder of 1-3 vectors one at a time.
template <Weights kind, bool two_terms>
void gemm_rows(const QuantizedWeights& w, const QuantizedBatch& x, const QuantizedBatch* residual, float* y,
               size_t y_stride, size_t begin, size_t end) {
  size_t i = 0;
  for (; i + 4 <= x.count; i += 4) rows_times_vectors<kind, 4, two_terms>(w, x, residual, i, y, y_stride, begin, end);
  for (; i < x.count; ++i) rows_times_vectors<kind, 1, two_terms>(w, x, residual, i, y, y_stride, begin, end);
}

inline QuantizedBatch batch_of_one(const QuantizedActivations& x) {
  return {x.quants, x.scales, x.sums, x.blocks, x.group, 1};
}

// The KernelSet entries.
template <Weights kind>
void quantized_matvec(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t begin,
                      size_t end) {
  rows_times_vectors<kind, 1, false>(w, batch_of_one(x), nullptr, 0, y, 0, begin, end);
}

template <Weights kind>
void quantized_gemm(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t begin,
                    size_t end) {
  gemm_rows<kind, false>(w, x, nullptr, y, y_stride, begin, end);
}

void q8_residual_matvec(const QuantizedWeights& w, const QuantizedActivations& x, const QuantizedActivations& residual,
                        float* y, size_t begin, size_t end) {
  const QuantizedBatch residual_one = batch_of_one(residual);
  rows_times_vectors<Weights::Q8, 1, true>(w, batch_of_one(x), &residual_one, 0, y, 0, begin, end);
}

[[maybe_unused]] void q8_residual_gemm(const QuantizedWeights& w, const QuantizedBatch& x,
                                      const QuantizedBatch& residual, float* y, size_t y_stride, size_t begin,
                                      size_t end) {
  gemm_rows<Weights::Q8, true>(w, x, &residual, y, y_stride, begin, end);
}

}  // namespace
}  // namespace sprig::kernels
