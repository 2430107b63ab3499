// The reference forward pass of the Llama family: pre-norm blocks with grouped-query attention
// and a SwiGLU feed-forward network, one token at a time over an f32 KV cache.
#include "sprig/session.h"

#include <algorithm>
#include <cmath>
#include <new>

#include "../kernels/reference.h"
#include "sprig/half.h"

namespace sprig {
namespace k = kernels;

struct Session::Buffers {
  float* x;       // residual stream [dim]
  float* xb;      // normed input / attention output [max(dim, q_dim)]
  float* xb2;     // projection output [dim]
  float* q;       // [q_dim]
  float* hb;      // gate [ffn_dim]
  float* hb2;     // up [ffn_dim]
  float* att;     // attention weights [n_heads * context]
  float* logits;  // [vocab]
  float* key_cache;    // [layers][context][kv_dim]
  float* value_cache;  // [layers][context][kv_dim]
  kernels::QuantizedActivations quantized_input;  // the input of a quantized matvec
  kernels::QuantizedActivations residual_input;   // its second int8 term, for q8 matrices
};

namespace {

// Quantized activations cover the widest matvec input, padded to whole blocks of the largest
// group; scales and sums are sized for the smallest group.
constexpr size_t kLargestGroup = 128, kSmallestGroup = 32;

size_t widest_input(const Hyperparameters& h) {
  const size_t wide = std::max<size_t>({h.dim, h.q_dim(), h.ffn_dim});
  return (wide + kLargestGroup - 1) / kLargestGroup * kLargestGroup;
}

struct ActivationSizes {
  size_t x, xb, xb2, q, hb, hb2, att, quantized;
  size_t total() const { return x + xb + xb2 + q + hb + hb2 + att + quantized; }
};

ActivationSizes activation_floats(const Hyperparameters& h, uint32_t context) {
  const size_t wide = std::max<size_t>(h.dim, h.q_dim());
  // int8 quants take a quarter of a float each; scales and sums one float each per block; twice,
  // for the main and the residual term.
  const size_t quantized = 2 * (widest_input(h) / 4 + 2 * (widest_input(h) / kSmallestGroup));
  return {h.dim, wide, h.dim, h.q_dim(), h.ffn_dim, h.ffn_dim, size_t(h.n_heads) * context, quantized};
}

k::QuantizedWeights quantized_view(const TensorView& w) {
  const TensorLayout layout = tensor_layout(w.dtype, w.rows, w.cols, w.group);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  return {base, reinterpret_cast<const uint16_t*>(base + layout.scales_offset),
          reinterpret_cast<const uint16_t*>(base + layout.mins_offset), w.rows, w.cols, layout.blocks_per_row,
          w.group};
}

void matvec(const TensorView& w, const float* x, float* y, k::QuantizedActivations& scratch,
            k::QuantizedActivations& residual_scratch) {
  switch (w.dtype) {
    case DType::F32: return k::matvec_f32_scalar(static_cast<const float*>(w.data), x, y, w.rows, w.cols);
    case DType::F16: return k::matvec_f16_scalar(static_cast<const uint16_t*>(w.data), x, y, w.rows, w.cols);
    case DType::Q8:
    case DType::Q4:
    case DType::Q4A: break;
  }
  const k::QuantizedWeights weights = quantized_view(w);
  k::QuantizedActivations input = scratch;
  input.group = w.group;
  input.blocks = weights.blocks_per_row;
  if (w.dtype == DType::Q8) {
    // Two int8 terms: with one, the activations' rounding costs q8 more than its weights' does.
    k::QuantizedActivations residual = residual_scratch;
    residual.group = w.group;
    residual.blocks = weights.blocks_per_row;
    k::quantize_activations_residual_scalar(x, w.cols, input, residual);
    return k::matvec_q8_residual_scalar(weights, input, residual, y);
  }
  k::quantize_activations_scalar(x, w.cols, input);
  if (w.dtype == DType::Q4) k::matvec_q4_scalar(weights, input, y);
  if (w.dtype == DType::Q4A) k::matvec_q4a_scalar(weights, input, y);
}

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

}  // namespace

Result<SessionMemoryPlan> plan_session_memory(const Model& model, const SessionOptions& options) {
  if (model.vocab_only()) return Error("the model file holds only a tokenizer, no weights to run");
  const Hyperparameters& h = model.hparams();
  SessionMemoryPlan plan;
  plan.context_length = options.context_length ? options.context_length : h.max_positions;
  if (plan.context_length > h.max_positions)
    return Error("context length " + std::to_string(plan.context_length) + " exceeds the model's maximum of " +
                 std::to_string(h.max_positions));
  plan.kv_cache_bytes = 2 * sizeof(float) * size_t(h.n_layers) * plan.context_length * h.kv_dim();
  plan.activation_bytes = sizeof(float) * activation_floats(h, plan.context_length).total();
  plan.logits_bytes = sizeof(float) * size_t(h.vocab_size);
  return plan;
}

Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (!model) return Error("no model");
  auto plan = plan_session_memory(*model, options);
  if (!plan) return plan.error();
  std::unique_ptr<float[]> memory(new (std::nothrow) float[plan->total_bytes() / sizeof(float)]);
  if (!memory)
    return Error("cannot allocate " + std::to_string(plan->total_bytes()) + " bytes for a session with a context of " +
                 std::to_string(plan->context_length) + " tokens; ask for a shorter context");
  return std::unique_ptr<Session>(new Session(std::move(model), plan.value(), std::move(memory)));
}

Session::Session(std::shared_ptr<const Model> model, const SessionMemoryPlan& plan, std::unique_ptr<float[]> memory)
    : model_(std::move(model)), plan_(plan), memory_(std::move(memory)), buffers_(std::make_unique<Buffers>()) {
  const Hyperparameters& h = model_->hparams();
  float* cursor = memory_.get();
  auto take = [&cursor](size_t floats) {
    float* block = cursor;
    cursor += floats;
    return block;
  };
  const ActivationSizes sizes = activation_floats(h, plan.context_length);
  Buffers& b = *buffers_;
  b.x = take(sizes.x);
  b.xb = take(sizes.xb);
  b.xb2 = take(sizes.xb2);
  b.q = take(sizes.q);
  b.hb = take(sizes.hb);
  b.hb2 = take(sizes.hb2);
  b.att = take(sizes.att);
  const size_t widest = widest_input(h);
  for (k::QuantizedActivations* a : {&b.quantized_input, &b.residual_input}) {
    float* quantized = take(sizes.quantized / 2);
    a->quants = reinterpret_cast<int8_t*>(quantized);
    a->scales = quantized + widest / 4;
    a->sums = reinterpret_cast<int32_t*>(quantized + widest / 4 + widest / kSmallestGroup);
  }
  b.logits = take(h.vocab_size);
  const size_t cache_floats = size_t(h.n_layers) * plan.context_length * h.kv_dim();
  b.key_cache = take(cache_floats);
  b.value_cache = take(cache_floats);
}

Session::~Session() = default;

std::span<const float> Session::logits() const { return {buffers_->logits, model_->hparams().vocab_size}; }

Status Session::decode(int32_t token) {
  const Hyperparameters& h = model_->hparams();
  if (token < 0 || uint32_t(token) >= h.vocab_size)
    return Error("token id " + std::to_string(token) + " is outside the vocabulary of " + std::to_string(h.vocab_size));
  if (position_ >= plan_.context_length)
    return Error("context is full (" + std::to_string(plan_.context_length) + " tokens)");

  Buffers& b = *buffers_;
  const size_t pos = position_;
  const size_t context = plan_.context_length;
  const size_t kv_dim = h.kv_dim();
  const size_t group = h.n_heads / h.n_kv_heads;
  const float attention_scale = 1.0f / std::sqrt(float(h.head_dim));

  auto project = [&](const TensorView& weights, const float* input, float* output) {
    if (observer_) observer_(observer_context_, weights, input);
    matvec(weights, input, output, b.quantized_input, b.residual_input);
  };
  embedding_row(model_->token_embedding(), token, b.x);
  for (size_t l = 0; l < h.n_layers; ++l) {
    const LayerWeights& w = model_->layers()[l];
    float* key_row = b.key_cache + (l * context + pos) * kv_dim;
    float* value_row = b.value_cache + (l * context + pos) * kv_dim;

    k::rmsnorm_f32_scalar(b.x, f32(w.attn_norm), b.xb, h.dim, h.norm_eps);
    project(w.wq, b.xb, b.q);
    project(w.wk, b.xb, key_row);
    project(w.wv, b.xb, value_row);
    k::rope_interleaved_f32_scalar(b.q, h.n_heads, h.head_dim, pos, h.rope_theta);
    k::rope_interleaved_f32_scalar(key_row, h.n_kv_heads, h.head_dim, pos, h.rope_theta);

    const float* layer_keys = b.key_cache + l * context * kv_dim;
    const float* layer_values = b.value_cache + l * context * kv_dim;
    for (size_t head = 0; head < h.n_heads; ++head) {
      const float* q = b.q + head * h.head_dim;
      const size_t kv_offset = (head / group) * h.head_dim;
      float* att = b.att + head * context;
      for (size_t t = 0; t <= pos; ++t)
        att[t] = k::dot_f32_scalar(q, layer_keys + t * kv_dim + kv_offset, h.head_dim) * attention_scale;
      k::softmax_f32_scalar(att, pos + 1);
      k::weighted_sum_f32_scalar(att, layer_values + kv_offset, b.xb + head * h.head_dim, pos + 1, h.head_dim,
                                 kv_dim);
    }
    project(w.wo, b.xb, b.xb2);
    for (size_t i = 0; i < h.dim; ++i) b.x[i] += b.xb2[i];

    k::rmsnorm_f32_scalar(b.x, f32(w.ffn_norm), b.xb, h.dim, h.norm_eps);
    project(w.w_gate, b.xb, b.hb);
    project(w.w_up, b.xb, b.hb2);
    k::swiglu_f32_scalar(b.hb, b.hb2, h.ffn_dim);
    project(w.w_down, b.hb, b.xb2);
    for (size_t i = 0; i < h.dim; ++i) b.x[i] += b.xb2[i];
  }
  k::rmsnorm_f32_scalar(b.x, f32(model_->output_norm()), b.x, h.dim, h.norm_eps);
  project(model_->output(), b.x, b.logits);
  ++position_;
  return {};
}

}  // namespace sprig
