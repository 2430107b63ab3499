// f32 (and on aarch64 f16) matvec/gemm and the activation quantization, shared by the ARM sets
// (internal linkage: each set's copy keeps its own flags; see quantized_arm.inl).
//
// Matmul sums run in four lanes x four accumulators: they differ from the scalar order by
// reassociation only, which kernel_set.h allows for these float matmuls (not for the quantized
// ones). f16 is widened by FCVTL, which every armv8-a core has.
namespace sprig::kernels {
namespace {

inline float add_lanes_f32(float32x4_t v) {
#if defined(__aarch64__)
  return vaddvq_f32(v);
#else
  const float32x2_t pairs = vadd_f32(vget_low_f32(v), vget_high_f32(v));
  return vget_lane_f32(vpadd_f32(pairs, pairs), 0);
#endif
}

inline float32x4_t load4(const float* p) { return vld1q_f32(p); }
inline float load1(const float* p) { return *p; }
#if defined(__aarch64__)
inline float32x4_t load4(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
inline float load1(const uint16_t* p) {
  return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(*p))), 0);
}
#endif

template <typename T>
float dot(const T* w, const float* x, size_t n) {
  float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = vfmaq_f32(a0, load4(w + i), vld1q_f32(x + i));
    a1 = vfmaq_f32(a1, load4(w + i + 4), vld1q_f32(x + i + 4));
    a2 = vfmaq_f32(a2, load4(w + i + 8), vld1q_f32(x + i + 8));
    a3 = vfmaq_f32(a3, load4(w + i + 12), vld1q_f32(x + i + 12));
  }
  for (; i + 4 <= n; i += 4) a0 = vfmaq_f32(a0, load4(w + i), vld1q_f32(x + i));
  float sum = add_lanes_f32(vaddq_f32(vaddq_f32(a0, a1), vaddq_f32(a2, a3)));
  for (; i < n; ++i) sum += load1(w + i) * x[i];
  return sum;
}

template <typename T>
void float_matvec(const T* w, const float* x, float* y, size_t cols, size_t begin, size_t end) {
  for (size_t r = begin; r < end; ++r) y[r] = dot(w + r * cols, x, cols);
}

template <typename T>
void float_gemm(const T* w, const float* x, size_t x_stride, size_t count, float* y, size_t y_stride, size_t cols,
                size_t begin, size_t end) {
  for (size_t i = 0; i < count; ++i) float_matvec(w, x + i * x_stride, y + i * y_stride, cols, begin, end);
}

#if defined(__aarch64__)
// Activations to int8 per block, bit for bit the scalar result: the same max|x| / 127 scale, the
// same single-precision product x * (1 / scale), rounded to nearest even by FCVTNS as nearbyint
// does in the default rounding mode. (armv7 has no such conversion: it keeps the scalar one.)
void quantize_activations_neon(const float* x, size_t n, QuantizedActivations& out) {
  for (size_t b = 0; b < out.blocks; ++b) {
    const size_t begin = b * out.group;
    const size_t end = n < begin + out.group ? n : begin + out.group;
    const size_t count = end > begin ? end - begin : 0;
    const float* xb = x + begin;

    float32x4_t max4 = vdupq_n_f32(0.0f);
    size_t i = 0;
    for (; i + 4 <= count; i += 4) max4 = vmaxq_f32(max4, vabsq_f32(vld1q_f32(xb + i)));
    float max_abs = vmaxvq_f32(max4);
    for (; i < count; ++i) max_abs = max_abs > __builtin_fabsf(xb[i]) ? max_abs : __builtin_fabsf(xb[i]);

    const float scale = max_abs / 127.0f;
    const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
    int8_t* q = out.quants + begin;
    int32x4_t sum4 = vdupq_n_s32(0);
    i = 0;
    for (; i + 16 <= count; i += 16) {
      const int32x4_t q0 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(xb + i), inverse));
      const int32x4_t q1 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(xb + i + 4), inverse));
      const int32x4_t q2 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(xb + i + 8), inverse));
      const int32x4_t q3 = vcvtnq_s32_f32(vmulq_n_f32(vld1q_f32(xb + i + 12), inverse));
      sum4 = vaddq_s32(vaddq_s32(sum4, vaddq_s32(q0, q1)), vaddq_s32(q2, q3));
      const int16x8_t low = vcombine_s16(vqmovn_s32(q0), vqmovn_s32(q1));
      const int16x8_t high = vcombine_s16(vqmovn_s32(q2), vqmovn_s32(q3));
      vst1q_s8(q + i, vcombine_s8(vqmovn_s16(low), vqmovn_s16(high)));
    }
    int32_t sum = vaddvq_s32(sum4);
    for (; i < count; ++i) {
      const int32_t value = vcvtns_s32_f32(xb[i] * inverse);
      q[i] = int8_t(value);
      sum += value;
    }
    for (; i < out.group; ++i) q[i] = 0;  // the tail of the last block
    out.scales[b] = scale;
    out.sums[b] = sum;
  }
}

// The second term quantizes each block's rounding error x - scale * q, computed with one rounding
// (FMLA, as the reference's fma).
void quantize_activations_residual_neon(const float* x, size_t n, QuantizedActivations& main,
                                        QuantizedActivations& residual) {
  quantize_activations_neon(x, n, main);
  float error[128];  // one block; groups are at most 128 (is_valid_group)
  for (size_t b = 0; b < main.blocks; ++b) {
    const size_t begin = b * main.group;
    const size_t count = (n < begin + main.group ? n : begin + main.group) - begin;
    const int8_t* q = main.quants + begin;
    const float32x4_t minus_scale = vdupq_n_f32(-main.scales[b]);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
      const int16x8_t q16 = vmovl_s8(vld1_s8(q + i));
      const float32x4_t low = vcvtq_f32_s32(vmovl_s16(vget_low_s16(q16)));
      const float32x4_t high = vcvtq_f32_s32(vmovl_s16(vget_high_s16(q16)));
      vst1q_f32(error + i, vfmaq_f32(vld1q_f32(x + begin + i), minus_scale, low));
      vst1q_f32(error + i + 4, vfmaq_f32(vld1q_f32(x + begin + i + 4), minus_scale, high));
    }
    for (; i < count; ++i) error[i] = __builtin_fmaf(-main.scales[b], float(q[i]), x[begin + i]);
    QuantizedActivations block{residual.quants + begin, residual.scales + b, residual.sums + b, 1, main.group};
    quantize_activations_neon(error, count, block);
  }
}

// FCVTN rounds to nearest even (the default FPCR) as the scalar conversion does; only a NaN's
// payload would differ, so a vector holding one takes the scalar path.
void kv_store_f16_neon(const float* x, uint16_t* out, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float32x4_t v = vld1q_f32(x + i);
    if (vminvq_u32(vceqq_f32(v, v)) != 0)
      vst1_u16(out + i, vreinterpret_u16_f16(vcvt_f16_f32(v)));
    else
      for (size_t j = i; j < i + 4; ++j) out[j] = sprig::f32_to_f16(x[j]);
  }
  for (; i < n; ++i) out[i] = sprig::f32_to_f16(x[i]);
}
#endif

}  // namespace
}  // namespace sprig::kernels
