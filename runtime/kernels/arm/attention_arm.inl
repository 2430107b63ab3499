// Attention over one head of an f32, f16 or int8 KV cache for aarch64, shared by the aarch64 sets
// (include after float_arm.inl; internal linkage, see quantized_arm.inl). Attention feeds the int8
// quantization of the next matmul's input, so these repeat the scalar reference's operations in
// its order (attention.h; no FMA) and give its bits: scores run four positions at once, one per
// lane, each summing over head_dim in order (the keys of four rows are transposed 4 x 4 so a
// vector holds one dimension of four positions); weighted sums run over head_dim, four dimensions
// a vector, each lane summing over positions in order.
namespace sprig::kernels {
namespace {

inline float32x4_t load4(const int8_t* p) {
  int32_t word;
  __builtin_memcpy(&word, p, 4);
  const int8x8_t bytes = vreinterpret_s8_s32(vdup_n_s32(word));
  return vcvtq_f32_s32(vmovl_s16(vget_low_s16(vmovl_s8(bytes))));
}
inline float load1(const int8_t* p) { return float(*p); }

// Rows a, b, c, d of four elements each, to the four columns [a_i, b_i, c_i, d_i].
inline void transpose4(float32x4_t& a, float32x4_t& b, float32x4_t& c, float32x4_t& d) {
  const float64x2_t ab0 = vreinterpretq_f64_f32(vtrn1q_f32(a, b)), ab1 = vreinterpretq_f64_f32(vtrn2q_f32(a, b));
  const float64x2_t cd0 = vreinterpretq_f64_f32(vtrn1q_f32(c, d)), cd1 = vreinterpretq_f64_f32(vtrn2q_f32(c, d));
  a = vreinterpretq_f32_f64(vtrn1q_f64(ab0, cd0));
  b = vreinterpretq_f32_f64(vtrn1q_f64(ab1, cd1));
  c = vreinterpretq_f32_f64(vtrn2q_f64(ab0, cd0));
  d = vreinterpretq_f32_f64(vtrn2q_f64(ab1, cd1));
}

// scores[t] = (q . key_t) * scale, or for int8 (q . key_t) * key_scale_t * scale.
template <typename K>
void attention_scores_rows(const float* q, const K* keys, size_t stride, const float* key_scales, size_t scale_stride,
                           size_t count, size_t head_dim, float scale, float* scores) {
  size_t t = 0;
  for (; t + 4 <= count; t += 4) {
    const K* r0 = keys + t * stride;
    const K *r1 = r0 + stride, *r2 = r1 + stride, *r3 = r2 + stride;
    float32x4_t sum = vdupq_n_f32(0.0f);
    size_t d = 0;
    for (; d + 4 <= head_dim; d += 4) {
      float32x4_t c0 = load4(r0 + d), c1 = load4(r1 + d), c2 = load4(r2 + d), c3 = load4(r3 + d);
      transpose4(c0, c1, c2, c3);
      sum = vaddq_f32(sum, vmulq_n_f32(c0, q[d]));
      sum = vaddq_f32(sum, vmulq_n_f32(c1, q[d + 1]));
      sum = vaddq_f32(sum, vmulq_n_f32(c2, q[d + 2]));
      sum = vaddq_f32(sum, vmulq_n_f32(c3, q[d + 3]));
    }
    for (; d < head_dim; ++d) {
      const float32x4_t column = {load1(r0 + d), load1(r1 + d), load1(r2 + d), load1(r3 + d)};
      sum = vaddq_f32(sum, vmulq_n_f32(column, q[d]));
    }
    if (key_scales) {
      const float* s = key_scales + t * scale_stride;
      const float32x4_t row_scales = {s[0], s[scale_stride], s[2 * scale_stride], s[3 * scale_stride]};
      sum = vmulq_f32(sum, row_scales);
    }
    vst1q_f32(scores + t, vmulq_n_f32(sum, scale));
  }
  for (; t < count; ++t) {
    const K* key = keys + t * stride;
    float sum = 0.0f;
    for (size_t d = 0; d < head_dim; ++d) sum += q[d] * load1(key + d);
    if (key_scales) sum = sum * key_scales[t * scale_stride];
    scores[t] = sum * scale;
  }
}

// out[d] = sum over t of p_t * value_t[d], p_t = weights[t] (times value_scale_t for int8).
template <typename V>
void weighted_sum_rows(const float* weights, const V* values, size_t stride, const float* value_scales,
                       size_t scale_stride, size_t count, size_t head_dim, float* out) {
  auto weight = [&](size_t t) { return value_scales ? weights[t] * value_scales[t * scale_stride] : weights[t]; };
  size_t d = 0;
  for (; d + 16 <= head_dim; d += 16) {  // four vectors of out stay in registers over all t
    float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
    for (size_t t = 0; t < count; ++t) {
      const V* row = values + t * stride + d;
      const float p = weight(t);
      a0 = vaddq_f32(a0, vmulq_n_f32(load4(row), p));
      a1 = vaddq_f32(a1, vmulq_n_f32(load4(row + 4), p));
      a2 = vaddq_f32(a2, vmulq_n_f32(load4(row + 8), p));
      a3 = vaddq_f32(a3, vmulq_n_f32(load4(row + 12), p));
    }
    vst1q_f32(out + d, a0);
    vst1q_f32(out + d + 4, a1);
    vst1q_f32(out + d + 8, a2);
    vst1q_f32(out + d + 12, a3);
  }
  for (; d + 4 <= head_dim; d += 4) {
    float32x4_t a = vdupq_n_f32(0.0f);
    for (size_t t = 0; t < count; ++t) a = vaddq_f32(a, vmulq_n_f32(load4(values + t * stride + d), weight(t)));
    vst1q_f32(out + d, a);
  }
  for (; d < head_dim; ++d) {
    float a = 0.0f;
    for (size_t t = 0; t < count; ++t) a += weight(t) * load1(values + t * stride + d);
    out[d] = a;
  }
}

// The KernelSet entries.
template <typename K>
void attention_scores(const float* q, const K* keys, size_t stride, size_t count, size_t head_dim, float scale,
                      float* scores) {
  attention_scores_rows(q, keys, stride, nullptr, 0, count, head_dim, scale, scores);
}
void attention_scores_int8(const float* q, const int8_t* keys, size_t stride, const float* key_scales,
                           size_t scale_stride, size_t count, size_t head_dim, float scale, float* scores) {
  attention_scores_rows(q, keys, stride, key_scales, scale_stride, count, head_dim, scale, scores);
}
template <typename V>
void weighted_sum(const float* weights, const V* values, size_t stride, size_t count, size_t head_dim, float* out) {
  weighted_sum_rows(weights, values, stride, nullptr, 0, count, head_dim, out);
}
void weighted_sum_int8(const float* weights, const int8_t* values, size_t stride, const float* value_scales,
                       size_t scale_stride, size_t count, size_t head_dim, float* out) {
  weighted_sum_rows(weights, values, stride, value_scales, scale_stride, count, head_dim, out);
}

}  // namespace
}  // namespace sprig::kernels
