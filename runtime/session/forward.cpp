// The forward pass: pre-norm blocks with grouped-query attention and a gated (or, for GPT-2,
// plain) feed-forward network, over the KV cache (kv_cache.h). What the families change
// (family_math.h: LayerNorm, biases, q/k norms, GeLU, soft-capping, sliding windows, RoPE tables)
// is applied where the model file says so. A step takes up to `batch` tokens as [batch x width]
// buffers (session.h, Session::Buffers), so prefill and decode share one code path and the
// kernels see whole batches (a GEMM replaces the per-row matvec loop).
//
// The kernel calls are in matmul.cpp (the products), kv_cache.cpp (storing and attending) and the
// norms and activations below, through the kernel set chosen at start-up (kernels/kernel_set.h).
// With threads > 1 each matmul group and the attention of a step are one pthreadpool region
// each, about five per layer.
#include <algorithm>
#include <cmath>

#include <pthreadpool.h>

#include "kernels/kernel_set.h"
#include "kernels/reference.h"
#include "model/family_math.h"
#include "session/kv_cache.h"
#include "session/matmul.h"
#include "sprig/half.h"
#include "sprig/session.h"

namespace sprig {
namespace k = kernels;

namespace {

void embedding_row(const TensorView& table, int32_t row, float* out) {
  switch (table.dtype) {
    case DType::F16: {
      const uint16_t* src = static_cast<const uint16_t*>(table.data) + size_t(row) * table.cols;
      for (size_t i = 0; i < table.cols; ++i) out[i] = f16_to_f32(src[i]);
      return;
    }
    case DType::F32: {
      const float* src = static_cast<const float*>(table.data) + size_t(row) * table.cols;
      for (size_t i = 0; i < table.cols; ++i) out[i] = src[i];
      return;
    }
    case DType::Q8: return k::dequantize_row_q8_scalar(quantized_view(table), size_t(row), out);
    case DType::Q4: return k::dequantize_row_q4_scalar(quantized_view(table), size_t(row), out);
    case DType::Q4A: return k::dequantize_row_q4a_scalar(quantized_view(table), size_t(row), out);
  }
}

const float* f32(const TensorView& t) { return static_cast<const float*>(t.data); }

// y[r] += bias for `rows` rows `stride` apart, when the model has that bias.
void add_bias_rows(float* y, size_t stride, const TensorView& bias, size_t n, size_t rows) {
  for (size_t r = 0; r < rows; ++r) family::add_bias(y + r * stride, bias, n);
}

}  // namespace

// Each share owns one row of the scores region; the step's attention reads the cache through
// one view.
struct Session::AttentionStep {
  const Session* session;
  const KvCache* cache;
  size_t layer, first_position, pairs, shares;
};

// Attention of each (batch row, head) pair of the share: row r (at position first_position + r)
// over the cache up to and including its position; a sliding layer sees only the last
// sliding_window positions, its own included.
void Session::attend_share(void* context, size_t share) {
  const AttentionStep& a = *static_cast<const AttentionStep*>(context);
  const Session& s = *a.session;
  const Hyperparameters& h = s.model_->hparams();
  const FamilyOptions& f = s.model_->family();
  const size_t wide = std::max(h.dim, h.q_dim());
  const size_t group = h.n_heads / h.n_kv_heads;
  const bool sliding = s.model_->layers()[a.layer].sliding;
  const float scale = f.attention_scale > 0 ? f.attention_scale : 1.0f / std::sqrt(float(h.head_dim));
  float* scores = s.b_.scores + share * s.plan_.context_length;
  for (size_t pair = a.pairs * share / a.shares; pair < a.pairs * (share + 1) / a.shares; ++pair) {
    const size_t row = pair / h.n_heads, head = pair % h.n_heads;
    const size_t position = a.first_position + row;
    const size_t first = sliding && position + 1 > f.sliding_window ? position + 1 - f.sliding_window : 0;
    const float* q = s.b_.q + row * h.q_dim() + head * h.head_dim;
    float* out = s.b_.xb + row * wide + head * h.head_dim;
    a.cache->attend(a.layer, first, position + 1 - first, head / group, q, scale, f.attention_softcap, scores, out);
  }
}

void Session::forward(const int32_t* tokens, size_t n) {
  const Hyperparameters& h = model_->hparams();
  const FamilyOptions& f = model_->family();
  const k::KernelSet& ks = *kernels_;
  const size_t pos = position_;
  const size_t dim = h.dim, wide = std::max(h.dim, h.q_dim()), q_dim = h.q_dim(), kv_dim = h.kv_dim();
  const size_t ffn = h.ffn_dim;
  const bool long_context = f.rope_long_context && plan_.context_length > f.rope_long_context;
  const ForwardMatrices fm(*model_);
  const KvCache cache = kv_cache();
  auto normalize_rows = [&](const float* x, const TensorView& weight, const TensorView& bias, float* y, size_t stride,
                            size_t rows) {
    for (size_t r = 0; r < rows; ++r) {
      if (f.norm == NormKind::RmsNorm) ks.rmsnorm(x + r * dim, f32(weight), y + r * stride, dim, h.norm_eps);
      else family::normalize(f.norm, x + r * dim, weight, bias, y + r * stride, dim, h.norm_eps);
    }
  };

  for (size_t r = 0; r < n; ++r) {
    float* x = b_.x + r * dim;
    embedding_row(model_->token_embedding(), tokens[r], x);
    if (f.embedding_scale != 1.0f)
      for (size_t i = 0; i < dim; ++i) x[i] *= f.embedding_scale;
    if (f.learned_positions) {
      float* position_row = b_.xb + r * wide;
      embedding_row(model_->position_embedding(), int32_t(pos + r), position_row);
      for (size_t i = 0; i < dim; ++i) x[i] += position_row[i];
    }
  }
  for (size_t l = 0; l < h.n_layers; ++l) {
    const LayerWeights& w = model_->layers()[l];
    normalize_rows(b_.x, w.attn_norm, w.attn_norm_bias, b_.xb, wide, n);
    matmul({fm.job(l, LayerMatrix::Q, b_.q), fm.job(l, LayerMatrix::K, b_.k), fm.job(l, LayerMatrix::V, b_.v)}, b_.xb,
           wide, n);
    add_bias_rows(b_.q, q_dim, w.bq, q_dim, n);
    add_bias_rows(b_.k, kv_dim, w.bk, kv_dim, n);
    add_bias_rows(b_.v, kv_dim, w.bv, kv_dim, n);
    if (w.q_norm.data)
      for (size_t r = 0; r < n; ++r) {
        family::normalize_heads(b_.q + r * q_dim, w.q_norm, h.n_heads, h.head_dim, h.norm_eps);
        family::normalize_heads(b_.k + r * kv_dim, w.k_norm, h.n_kv_heads, h.head_dim, h.norm_eps);
      }
    if (!f.learned_positions) {
      const std::span<const float> frequencies = model_->rope_frequencies(w.sliding, long_context);
      for (size_t r = 0; r < n; ++r) {
        family::rope(b_.q + r * q_dim, h.n_heads, h.head_dim, int64_t(pos + r), frequencies);
        family::rope(b_.k + r * kv_dim, h.n_kv_heads, h.head_dim, int64_t(pos + r), frequencies);
      }
    }
    // The whole batch enters the cache first; row r then sees positions up to pos + r only.
    cache.store(l, pos, b_.k, b_.v, n);
    // Attention's multiply-adds cost several of a matvec's (f16 loads, the reference's summation
    // order, a softmax): SmolLM2 decode runs them at 2.9 GMAC/s against 17 for its q4 matvecs.
    constexpr size_t kAttentionCostPerMac = 8;
    const size_t pairs = n * h.n_heads, attention_macs = pairs * (pos + n) * h.head_dim * 2;
    const bool parallel = pool_ && attention_macs * kAttentionCostPerMac >= plan_.options.min_parallel_macs;
    AttentionStep attention{this, &cache, l, pos, pairs, parallel ? std::min<size_t>(plan_.options.threads, pairs) : 1};
    pthreadpool_parallelize_1d(parallel ? pool_ : nullptr, &Session::attend_share, &attention, attention.shares, 0);
    matmul({fm.job(l, LayerMatrix::O, b_.xb2)}, b_.xb, wide, n);
    add_bias_rows(b_.xb2, dim, w.bo, dim, n);
    if (w.attn_post_norm.data) normalize_rows(b_.xb2, w.attn_post_norm, {}, b_.xb2, dim, n);
    for (size_t i = 0; i < n * dim; ++i) b_.x[i] += b_.xb2[i];

    normalize_rows(b_.x, w.ffn_norm, w.ffn_norm_bias, b_.xb, wide, n);
    if (f.activation == Activation::GeluTanh) {
      matmul({fm.job(l, LayerMatrix::Up, b_.hb)}, b_.xb, wide, n);
      add_bias_rows(b_.hb, ffn, w.b_up, ffn, n);
    } else {
      matmul({fm.job(l, LayerMatrix::Gate, b_.hb), fm.job(l, LayerMatrix::Up, b_.hb2)}, b_.xb, wide, n);
      add_bias_rows(b_.hb2, ffn, w.b_up, ffn, n);
    }
    for (size_t r = 0; r < n; ++r) {
      if (f.activation == Activation::SiluGated) ks.swiglu(b_.hb + r * ffn, b_.hb2 + r * ffn, ffn);
      else family::activate(f.activation, b_.hb + r * ffn, b_.hb2 + r * ffn, ffn);
    }
    matmul({fm.job(l, LayerMatrix::Down, b_.xb2)}, b_.hb, ffn, n);
    add_bias_rows(b_.xb2, dim, w.b_down, dim, n);
    if (w.ffn_post_norm.data) normalize_rows(b_.xb2, w.ffn_post_norm, {}, b_.xb2, dim, n);
    for (size_t i = 0; i < n * dim; ++i) b_.x[i] += b_.xb2[i];
  }
  // Only the last token's logits are wanted.
  float* last = b_.x + (n - 1) * dim;
  normalize_rows(last, model_->output_norm(), model_->output_norm_bias(), last, dim, 1);
  matmul({fm.output_head(b_.logits)}, last, dim, 1);
  family::softcap(b_.logits, h.vocab_size, f.output_softcap);
  position_ += uint32_t(n);
}

}  // namespace sprig
