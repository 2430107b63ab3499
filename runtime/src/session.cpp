// The reference forward pass of the Llama family: pre-norm blocks with grouped-query attention
// and a SwiGLU feed-forward network, over a KV cache in f32, f16 or int8. A forward step takes
// up to `batch` tokens as [batch x width] buffers, so prefill and decode share one code path
// and the kernels see whole batches (a GEMM replaces the per-row matvec loop in matmul()).
//
// The kernel calls live in three places: matmul(), store_kv() and attend().
#include "sprig/session.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "../kernels/attention.h"
#include "../kernels/reference.h"
#include "sprig/half.h"
#include "sprig/sampler.h"
#include "sprig/tokenizer.h"

namespace sprig {
namespace k = kernels;

namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kGuardBytes = 64;
constexpr std::byte kPaint{0xa5};

size_t align_up(size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }

k::QuantizedWeights quantized_view(const TensorView& w) {
  const TensorLayout layout = tensor_layout(w.dtype, w.rows, w.cols, w.group);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  return {base, reinterpret_cast<const uint16_t*>(base + layout.scales_offset),
          reinterpret_cast<const uint16_t*>(base + layout.mins_offset), w.rows, w.cols, layout.blocks_per_row,
          w.group};
}

bool quantized(DType dtype) { return dtype == DType::Q8 || dtype == DType::Q4 || dtype == DType::Q4A; }

// The widest quantized input of any matmul, in whole blocks of its group, and the most blocks:
// each batch row of the quantized-input scratch holds that much.
struct QuantizedInputSize {
  size_t values = 0, blocks = 0;
};

QuantizedInputSize quantized_input_size(const Model& model) {
  QuantizedInputSize size;
  auto consider = [&size](const TensorView& w) {
    if (!quantized(w.dtype)) return;
    const size_t blocks = (w.cols + w.group - 1) / w.group;
    size.values = std::max(size.values, blocks * w.group);
    size.blocks = std::max(size.blocks, blocks);
  };
  for (const LayerWeights& l : model.layers())
    for (const TensorView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) consider(*w);
  consider(model.output());
  return size;
}

size_t kv_element_bytes(KvCacheType type) {
  switch (type) {
    case KvCacheType::F32: return 4;
    case KvCacheType::F16: return 2;
    case KvCacheType::Int8: return 1;
  }
  return 4;
}

enum class Category { State, KvCache, Activations, Scratch, Sampler, Text };

Category category_of(ArenaRegion r) {
  if (r == ArenaRegion::State) return Category::State;
  if (r <= ArenaRegion::ValueScales) return Category::KvCache;
  if (r <= ArenaRegion::Logits) return Category::Activations;
  if (r <= ArenaRegion::Scores) return Category::Scratch;
  if (r == ArenaRegion::SamplerCandidates) return Category::Sampler;
  return Category::Text;
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

// The largest number of bytes one token decodes to: no more than its piece's spelling.
size_t longest_piece(const Vocabulary& vocab) {
  size_t longest = 0;
  for (std::string_view piece : vocab.pieces) longest = std::max(longest, piece.size());
  return longest;
}

}  // namespace

const char* kv_cache_type_name(KvCacheType type) {
  switch (type) {
    case KvCacheType::F32: return "f32";
    case KvCacheType::F16: return "f16";
    case KvCacheType::Int8: return "int8";
  }
  return "?";
}

std::optional<KvCacheType> parse_kv_cache_type(std::string_view name) {
  if (name == "f32") return KvCacheType::F32;
  if (name == "f16") return KvCacheType::F16;
  if (name == "int8") return KvCacheType::Int8;
  return std::nullopt;
}

const char* arena_region_name(ArenaRegion region) {
  static constexpr const char* kNames[kArenaRegions] = {
      "state", "keys", "values", "key scales", "value scales", "x", "xb", "xb2", "q", "k", "v", "hb", "hb2",
      "logits", "quantized input", "quantized scales", "quantized sums", "attention scores", "sampler candidates",
      "token ids", "tokenizer workspace", "text"};
  return region < ArenaRegion::Count ? kNames[size_t(region)] : "?";
}

Result<SessionMemoryPlan> plan_session_memory(const Model& model, const SessionOptions& options) {
  if (model.vocab_only()) return Error("the model file holds only a tokenizer, no weights to run");
  const Hyperparameters& h = model.hparams();
  SessionMemoryPlan plan;
  plan.options = options;
  plan.context_length = options.context_length ? options.context_length : h.max_positions;
  plan.options.context_length = plan.context_length;
  if (plan.context_length > h.max_positions)
    return Error("context length " + std::to_string(plan.context_length) + " exceeds the model's maximum of " +
                 std::to_string(h.max_positions));
  if (options.batch == 0 || options.batch > 4096) return Error("the prompt batch must be 1 to 4096 tokens");
  if (options.threads == 0 || options.threads > 256) return Error("threads must be 1 to 256");
  if (options.max_text_bytes > (1u << 30)) return Error("max_text_bytes is above 1 GiB");
  if (kv_element_bytes(options.kv_cache) == 0 || !parse_kv_cache_type(kv_cache_type_name(options.kv_cache)))
    return Error("unknown KV cache type");

  const size_t context = plan.context_length, batch = options.batch;
  const size_t cache_rows = size_t(h.n_layers) * context;
  const size_t wide = std::max(h.dim, h.q_dim());
  const QuantizedInputSize quantized = quantized_input_size(model);
  auto& r = plan.region_bytes;
  using R = ArenaRegion;
  r[size_t(R::State)] = sizeof(Session);
  r[size_t(R::Keys)] = cache_rows * h.kv_dim() * kv_element_bytes(options.kv_cache);
  r[size_t(R::Values)] = r[size_t(R::Keys)];
  r[size_t(R::KeyScales)] = options.kv_cache == KvCacheType::Int8 ? cache_rows * h.n_kv_heads * sizeof(float) : 0;
  r[size_t(R::ValueScales)] = r[size_t(R::KeyScales)];
  r[size_t(R::X)] = batch * h.dim * sizeof(float);
  r[size_t(R::Xb)] = batch * wide * sizeof(float);
  r[size_t(R::Xb2)] = batch * h.dim * sizeof(float);
  r[size_t(R::Q)] = batch * h.q_dim() * sizeof(float);
  r[size_t(R::K)] = batch * h.kv_dim() * sizeof(float);
  r[size_t(R::V)] = batch * h.kv_dim() * sizeof(float);
  r[size_t(R::Hb)] = batch * h.ffn_dim * sizeof(float);
  r[size_t(R::Hb2)] = batch * h.ffn_dim * sizeof(float);
  r[size_t(R::Logits)] = h.vocab_size * sizeof(float);
  r[size_t(R::QuantizedInput)] = batch * quantized.values;
  r[size_t(R::QuantizedScales)] = batch * quantized.blocks * sizeof(float);
  r[size_t(R::QuantizedSums)] = batch * quantized.blocks * sizeof(int32_t);
  // Attention runs one (token, head) pair at a time per thread: each thread needs one row of
  // scores as long as the context, and nothing else of its own.
  r[size_t(R::Scores)] = size_t(options.threads) * context * sizeof(float);
  r[size_t(R::SamplerCandidates)] = Sampler::workspace_bytes(h.vocab_size);
  r[size_t(R::TokenIds)] = context * sizeof(int32_t);
  r[size_t(R::TokenizerWorkspace)] = Tokenizer::Workspace::arena_bytes(model.vocab(), options.max_text_bytes);
  // Utf8Stream writes at most three bytes per byte it is given plus the three it may hold.
  r[size_t(R::Text)] = 3 * (longest_piece(model.vocab()) + 4);

  plan.padding_bytes = kAlignment;  // room to align the arena's start
  for (size_t i = 0; i < kArenaRegions; ++i) {
    const size_t bytes = r[i];
    plan.padding_bytes += align_up(bytes) - bytes;
    if (options.track_memory) plan.guard_bytes += kGuardBytes;
    switch (category_of(ArenaRegion(i))) {
      case Category::State: plan.state_bytes += bytes; break;
      case Category::KvCache: plan.kv_cache_bytes += bytes; break;
      case Category::Activations: plan.activation_bytes += bytes; break;
      case Category::Scratch: plan.scratch_bytes += bytes; break;
      case Category::Sampler: plan.sampler_bytes += bytes; break;
      case Category::Text: plan.text_bytes += bytes; break;
    }
  }
  return plan;
}

Result<Session::Ptr> Session::create(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (!model) return Error("no model");
  auto plan = plan_session_memory(*model, options);
  if (!plan) return plan.error();
  void* memory = ::operator new(plan->total_bytes(), std::align_val_t(kAlignment), std::nothrow);
  if (!memory)
    return Error("cannot allocate " + std::to_string(plan->total_bytes()) + " bytes for a session with a context of " +
                 std::to_string(plan->context_length) + " tokens; ask for a shorter context");
  return Ptr(new (memory) Session(std::move(model), plan.value(), static_cast<std::byte*>(memory), memory));
}

Result<Session::Ptr> Session::create(std::shared_ptr<const Model> model, const SessionOptions& options,
                                     std::span<std::byte> memory) {
  if (!model) return Error("no model");
  auto plan = plan_session_memory(*model, options);
  if (!plan) return plan.error();
  if (memory.size() < plan->total_bytes())
    return Error("the session needs " + std::to_string(plan->total_bytes()) + " bytes of memory, " +
                 std::to_string(memory.size()) + " were given (context " + std::to_string(plan->context_length) +
                 ", batch " + std::to_string(plan->options.batch) + ", " +
                 kv_cache_type_name(plan->options.kv_cache) + " KV cache)");
  const uintptr_t start = reinterpret_cast<uintptr_t>(memory.data());
  std::byte* arena = memory.data() + (align_up(start) - start);
  return Ptr(new (arena) Session(std::move(model), plan.value(), arena, nullptr));
}

void Session::Destroy::operator()(Session* session) const {
  if (!session) return;
  void* owned = session->owned_;
  session->~Session();
  if (owned) ::operator delete(owned, std::align_val_t(kAlignment));
}

Session::Session(std::shared_ptr<const Model> model, const SessionMemoryPlan& plan, std::byte* arena, void* owned)
    : model_(std::move(model)), plan_(plan), arena_(arena), owned_(owned) {
  size_t offset = 0;
  for (size_t i = 0; i < kArenaRegions; ++i) {
    offsets_[i] = offset;
    offset += align_up(plan_.region_bytes[i]) + (plan_.options.track_memory ? kGuardBytes : 0);
  }
  if (plan_.options.track_memory) {
    // Everything after this object: painted, so memory_usage() finds what was written.
    const size_t state_end = offsets_[1];
    std::memset(arena_ + sizeof(Session), int(kPaint), state_end - sizeof(Session));
    std::memset(arena_ + state_end, int(kPaint), offset - state_end);
  }
  auto at = [this](ArenaRegion r) { return static_cast<void*>(arena_ + offsets_[size_t(r)]); };
  using R = ArenaRegion;
  b_.keys = at(R::Keys);
  b_.values = at(R::Values);
  b_.key_scales = static_cast<float*>(at(R::KeyScales));
  b_.value_scales = static_cast<float*>(at(R::ValueScales));
  b_.x = static_cast<float*>(at(R::X));
  b_.xb = static_cast<float*>(at(R::Xb));
  b_.xb2 = static_cast<float*>(at(R::Xb2));
  b_.q = static_cast<float*>(at(R::Q));
  b_.k = static_cast<float*>(at(R::K));
  b_.v = static_cast<float*>(at(R::V));
  b_.hb = static_cast<float*>(at(R::Hb));
  b_.hb2 = static_cast<float*>(at(R::Hb2));
  b_.logits = static_cast<float*>(at(R::Logits));
  b_.quantized_input = static_cast<int8_t*>(at(R::QuantizedInput));
  b_.quantized_scales = static_cast<float*>(at(R::QuantizedScales));
  b_.quantized_sums = static_cast<int32_t*>(at(R::QuantizedSums));
  b_.scores = static_cast<float*>(at(R::Scores));
}

std::span<std::byte> Session::region(ArenaRegion r) const {
  return {arena_ + offsets_[size_t(r)], plan_.region_bytes[size_t(r)]};
}

ArenaUsage Session::memory_usage() const {
  ArenaUsage usage;
  if (!plan_.options.track_memory) return usage;
  for (size_t i = 0; i < kArenaRegions; ++i) {
    const std::byte* begin = arena_ + offsets_[i];
    size_t used = plan_.region_bytes[i];
    if (i != size_t(ArenaRegion::State))
      while (used > 0 && begin[used - 1] == kPaint) --used;
    usage.used_bytes[i] = used;
    usage.high_water_bytes += used;
    const std::byte* guard = begin + align_up(plan_.region_bytes[i]);
    for (size_t g = plan_.region_bytes[i]; g < align_up(plan_.region_bytes[i]); ++g)
      if (begin[g] != kPaint) usage.guards_intact = false;  // the alignment gap guards too
    for (size_t g = 0; g < kGuardBytes; ++g)
      if (guard[g] != kPaint) usage.guards_intact = false;
  }
  return usage;
}

std::span<const float> Session::logits() const { return {b_.logits, model_->hparams().vocab_size}; }

Status Session::check_tokens(std::span<const int32_t> tokens) const {
  const uint32_t vocab = model_->hparams().vocab_size;
  for (int32_t token : tokens)
    if (token < 0 || uint32_t(token) >= vocab)
      return Error("token id " + std::to_string(token) + " is outside the vocabulary of " + std::to_string(vocab));
  if (tokens.size() > plan_.context_length - position_)
    return Error("context is full: " + std::to_string(tokens.size()) + " more tokens do not fit after " +
                 std::to_string(position_) + " of " + std::to_string(plan_.context_length));
  return {};
}

Status Session::decode(int32_t token) {
  if (Status s = check_tokens({&token, 1}); !s) return s;
  forward(&token, 1);
  return {};
}

Status Session::prefill(std::span<const int32_t> tokens) {
  if (tokens.empty()) return Error("prefill needs at least one token");
  if (Status s = check_tokens(tokens); !s) return s;
  for (size_t first = 0; first < tokens.size(); first += batch())
    forward(tokens.data() + first, std::min<size_t>(batch(), tokens.size() - first));
  return {};
}

// y[r] = W x[r] for `rows` batch rows; quantized weights take inputs quantized per row in blocks.
void Session::matmul(const TensorView& w, const float* input, size_t input_stride, float* output,
                     size_t output_stride, size_t rows) {
  if (observer_)
    for (size_t r = 0; r < rows; ++r) observer_(observer_context_, w, input + r * input_stride);
  if (!quantized(w.dtype)) {
    for (size_t r = 0; r < rows; ++r) {
      const float* x = input + r * input_stride;
      float* y = output + r * output_stride;
      if (w.dtype == DType::F32) k::matvec_f32_scalar(static_cast<const float*>(w.data), x, y, w.rows, w.cols);
      if (w.dtype == DType::F16) k::matvec_f16_scalar(static_cast<const uint16_t*>(w.data), x, y, w.rows, w.cols);
    }
    return;
  }
  const k::QuantizedWeights weights = quantized_view(w);
  const size_t row_values = plan_.region_bytes[size_t(ArenaRegion::QuantizedInput)] / batch();
  const size_t row_blocks = plan_.region_bytes[size_t(ArenaRegion::QuantizedScales)] / sizeof(float) / batch();
  for (size_t r = 0; r < rows; ++r) {
    k::QuantizedActivations x{b_.quantized_input + r * row_values, b_.quantized_scales + r * row_blocks,
                              b_.quantized_sums + r * row_blocks, weights.blocks_per_row, w.group};
    k::quantize_activations_scalar(input + r * input_stride, w.cols, x);
    float* y = output + r * output_stride;
    if (w.dtype == DType::Q8) k::matvec_q8_scalar(weights, x, y);
    if (w.dtype == DType::Q4) k::matvec_q4_scalar(weights, x, y);
    if (w.dtype == DType::Q4A) k::matvec_q4a_scalar(weights, x, y);
  }
}

// Writes the batch's keys and values (rows of b_.k, b_.v) into the cache at their positions.
void Session::store_kv(size_t layer, size_t first_position, size_t n) {
  const Hyperparameters& h = model_->hparams();
  const size_t kv_dim = h.kv_dim();
  const size_t row0 = layer * plan_.context_length + first_position;
  for (size_t r = 0; r < n; ++r) {
    const float* key = b_.k + r * kv_dim;
    const float* value = b_.v + r * kv_dim;
    const size_t row = row0 + r;
    switch (kv_cache_type()) {
      case KvCacheType::F32:
        std::memcpy(static_cast<float*>(b_.keys) + row * kv_dim, key, kv_dim * sizeof(float));
        std::memcpy(static_cast<float*>(b_.values) + row * kv_dim, value, kv_dim * sizeof(float));
        break;
      case KvCacheType::F16:
        k::kv_store_f16_scalar(key, static_cast<uint16_t*>(b_.keys) + row * kv_dim, kv_dim);
        k::kv_store_f16_scalar(value, static_cast<uint16_t*>(b_.values) + row * kv_dim, kv_dim);
        break;
      case KvCacheType::Int8:
        k::kv_store_int8_scalar(key, h.n_kv_heads, h.head_dim, static_cast<int8_t*>(b_.keys) + row * kv_dim,
                                b_.key_scales + row * h.n_kv_heads);
        k::kv_store_int8_scalar(value, h.n_kv_heads, h.head_dim, static_cast<int8_t*>(b_.values) + row * kv_dim,
                                b_.value_scales + row * h.n_kv_heads);
        break;
    }
  }
}

// Attention of batch row `row` (at `position`) over the cache up to and including `position`.
void Session::attend(size_t layer, size_t row, size_t position, float* out) {
  const Hyperparameters& h = model_->hparams();
  const size_t kv_dim = h.kv_dim(), count = position + 1;
  const size_t group = h.n_heads / h.n_kv_heads;
  const size_t layer_row = layer * plan_.context_length;
  const float scale = 1.0f / std::sqrt(float(h.head_dim));
  float* scores = b_.scores;  // this thread's row
  for (size_t head = 0; head < h.n_heads; ++head) {
    const float* q = b_.q + row * h.q_dim() + head * h.head_dim;
    const size_t kv_head = head / group;
    const size_t offset = layer_row * kv_dim + kv_head * h.head_dim;
    float* head_out = out + head * h.head_dim;
    switch (kv_cache_type()) {
      case KvCacheType::F32: {
        const float* keys = static_cast<const float*>(b_.keys) + offset;
        const float* values = static_cast<const float*>(b_.values) + offset;
        k::attention_scores_f32_scalar(q, keys, kv_dim, count, h.head_dim, scale, scores);
        k::softmax_f32_scalar(scores, count);
        k::attention_values_f32_scalar(scores, values, kv_dim, count, h.head_dim, head_out);
        break;
      }
      case KvCacheType::F16: {
        const uint16_t* keys = static_cast<const uint16_t*>(b_.keys) + offset;
        const uint16_t* values = static_cast<const uint16_t*>(b_.values) + offset;
        k::attention_scores_f16_scalar(q, keys, kv_dim, count, h.head_dim, scale, scores);
        k::softmax_f32_scalar(scores, count);
        k::attention_values_f16_scalar(scores, values, kv_dim, count, h.head_dim, head_out);
        break;
      }
      case KvCacheType::Int8: {
        const int8_t* keys = static_cast<const int8_t*>(b_.keys) + offset;
        const int8_t* values = static_cast<const int8_t*>(b_.values) + offset;
        const size_t scale_offset = layer_row * h.n_kv_heads + kv_head;
        k::attention_scores_int8_scalar(q, keys, b_.key_scales + scale_offset, h.n_kv_heads, kv_dim, count,
                                        h.head_dim, scale, scores);
        k::softmax_f32_scalar(scores, count);
        k::attention_values_int8_scalar(scores, values, b_.value_scales + scale_offset, h.n_kv_heads, kv_dim, count,
                                        h.head_dim, head_out);
        break;
      }
    }
  }
}

void Session::forward(const int32_t* tokens, size_t n) {
  const Hyperparameters& h = model_->hparams();
  const size_t pos = position_;
  const size_t dim = h.dim, wide = std::max(h.dim, h.q_dim()), q_dim = h.q_dim(), kv_dim = h.kv_dim();
  const size_t ffn = h.ffn_dim;

  for (size_t r = 0; r < n; ++r) embedding_row(model_->token_embedding(), tokens[r], b_.x + r * dim);
  for (size_t l = 0; l < h.n_layers; ++l) {
    const LayerWeights& w = model_->layers()[l];
    for (size_t r = 0; r < n; ++r)
      k::rmsnorm_f32_scalar(b_.x + r * dim, f32(w.attn_norm), b_.xb + r * wide, dim, h.norm_eps);
    matmul(w.wq, b_.xb, wide, b_.q, q_dim, n);
    matmul(w.wk, b_.xb, wide, b_.k, kv_dim, n);
    matmul(w.wv, b_.xb, wide, b_.v, kv_dim, n);
    for (size_t r = 0; r < n; ++r) {
      k::rope_interleaved_f32_scalar(b_.q + r * q_dim, h.n_heads, h.head_dim, pos + r, h.rope_theta);
      k::rope_interleaved_f32_scalar(b_.k + r * kv_dim, h.n_kv_heads, h.head_dim, pos + r, h.rope_theta);
    }
    // The whole batch enters the cache first; row r then sees positions up to pos + r only.
    store_kv(l, pos, n);
    for (size_t r = 0; r < n; ++r) attend(l, r, pos + r, b_.xb + r * wide);
    matmul(w.wo, b_.xb, wide, b_.xb2, dim, n);
    for (size_t i = 0; i < n * dim; ++i) b_.x[i] += b_.xb2[i];

    for (size_t r = 0; r < n; ++r)
      k::rmsnorm_f32_scalar(b_.x + r * dim, f32(w.ffn_norm), b_.xb + r * wide, dim, h.norm_eps);
    matmul(w.w_gate, b_.xb, wide, b_.hb, ffn, n);
    matmul(w.w_up, b_.xb, wide, b_.hb2, ffn, n);
    for (size_t r = 0; r < n; ++r) k::swiglu_f32_scalar(b_.hb + r * ffn, b_.hb2 + r * ffn, ffn);
    matmul(w.w_down, b_.hb, ffn, b_.xb2, dim, n);
    for (size_t i = 0; i < n * dim; ++i) b_.x[i] += b_.xb2[i];
  }
  // Only the last token's logits are wanted.
  float* last = b_.x + (n - 1) * dim;
  k::rmsnorm_f32_scalar(last, f32(model_->output_norm()), last, dim, h.norm_eps);
  matmul(model_->output(), last, dim, b_.logits, h.vocab_size, 1);
  position_ += uint32_t(n);
}

}  // namespace sprig
