// The session's life: planning its memory, creating it in one arena, feeding it tokens
// (prefill, decode), shifting and reading its KV cache. The forward pass is forward.cpp, the
// arena's layout arena.cpp, the cache's formats kv_cache.cpp, the matrix products matmul.cpp.
#include "sprig/session.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include <pthreadpool.h>

#include "backends/xnnpack_backend.h"
#include "kernels/kernel_set.h"
#include "model/family_math.h"
#include "platform/alignment.h"
#include "session/arena.h"
#include "session/kv_cache.h"
#include "session/matmul.h"
#include "sprig/sampler.h"
#include "sprig/tokenizer.h"

namespace sprig {
namespace k = kernels;

namespace {

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

const char* matmul_backend_name(MatmulBackend backend) {
  return backend == MatmulBackend::Xnnpack ? "xnnpack" : "sprig";
}

std::optional<MatmulBackend> parse_matmul_backend(std::string_view name) {
  if (name == "sprig") return MatmulBackend::Sprig;
  if (name == "xnnpack") return MatmulBackend::Xnnpack;
  return std::nullopt;
}

const char* arena_region_name(ArenaRegion region) {
  static constexpr const char* kNames[kArenaRegions] = {
      "state", "keys", "values", "key scales", "value scales", "x", "xb", "xb2", "q", "k", "v", "hb", "hb2",
      "logits", "quantized input", "quantized scales", "quantized sums", "attention scores", "sampler candidates", "sampler logits",
      "token ids", "tokenizer workspace", "text", "token history", "xnnpack"};
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
  r[size_t(R::QuantizedInput)] = quantized.terms() * batch * quantized.values;
  r[size_t(R::QuantizedScales)] = quantized.terms() * batch * quantized.blocks * sizeof(float);
  r[size_t(R::QuantizedSums)] = quantized.terms() * batch * quantized.blocks * sizeof(int32_t);
  // Attention runs one (token, head) pair at a time per thread: each thread needs one row of
  // scores as long as the context, and nothing else of its own.
  r[size_t(R::Scores)] = size_t(options.threads) * context * sizeof(float);
  r[size_t(R::SamplerCandidates)] = Sampler::workspace_bytes(h.vocab_size);
  r[size_t(R::SamplerLogits)] = h.vocab_size * sizeof(float);
  r[size_t(R::TokenIds)] = context * sizeof(int32_t);
  r[size_t(R::TokenizerWorkspace)] = Tokenizer::Workspace::arena_bytes(model.vocab(), options.max_text_bytes);
  // Utf8Stream writes at most three bytes per byte it is given plus the three it may hold.
  r[size_t(R::Text)] = 3 * (longest_piece(model.vocab()) + 4);
  r[size_t(R::History)] = context * sizeof(int32_t);
  if (options.backend == MatmulBackend::Xnnpack) {
    auto bytes = xnnpack::region_bytes(ForwardMatrices(model));
    if (!bytes) return bytes.error();
    r[size_t(R::Xnnpack)] = bytes.value();
  } else if (options.backend != MatmulBackend::Sprig) {
    return Error("unknown matmul backend");
  }

  arena::account(plan);
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
  Ptr session(new (memory) Session(std::move(model), plan.value(), static_cast<std::byte*>(memory), memory));
  if (Status s = session->start_backend(); !s) return s.error();
  return session;
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
  Ptr session(new (arena) Session(std::move(model), plan.value(), arena, nullptr));
  if (Status s = session->start_backend(); !s) return s.error();
  return session;
}

void Session::Destroy::operator()(Session* session) const {
  if (!session) return;
  void* owned = session->owned_;
  session->~Session();
  if (owned) ::operator delete(owned, std::align_val_t(kAlignment));
}

Session::Session(std::shared_ptr<const Model> model, const SessionMemoryPlan& plan, std::byte* arena, void* owned)
    : model_(std::move(model)), plan_(plan), arena_(arena), owned_(owned), kernels_(&k::active_kernels()) {
  // The pool's own allocation happens here, at creation; none on the token path. If it cannot
  // be made the session still runs, on the calling thread.
  if (plan_.options.threads > 1) pool_ = pthreadpool_create(plan_.options.threads);
  const arena::Layout layout = arena::layout(plan_);
  offsets_ = layout.offsets;
  // Everything after this object: painted, so memory_usage() finds what was written.
  if (plan_.options.track_memory) arena::paint(arena_, layout, sizeof(Session));
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
  const QuantizedInputSize quantized = quantized_input_size(*model_);
  b_.residual_input = b_.quantized_input + plan_.options.batch * quantized.values;
  b_.residual_scales = b_.quantized_scales + plan_.options.batch * quantized.blocks;
  b_.residual_sums = b_.quantized_sums + plan_.options.batch * quantized.blocks;
  b_.scores = static_cast<float*>(at(R::Scores));
  b_.history = static_cast<int32_t*>(at(R::History));
}

Session::~Session() {
  if (offload_) offload_->~MatmulOffload();  // its memory is the arena's
  if (pool_) pthreadpool_destroy(pool_);
}

std::span<std::byte> Session::region(ArenaRegion r) const {
  return {arena_ + offsets_[size_t(r)], plan_.region_bytes[size_t(r)]};
}

ArenaUsage Session::memory_usage() const {
  if (!plan_.options.track_memory) return {};
  return arena::measure(arena_, arena::layout(plan_), plan_);
}

std::span<const float> Session::logits() const { return {b_.logits, model_->vocab().pieces.size()}; }

Status Session::check_tokens(std::span<const int32_t> tokens) const {
  const uint32_t vocab = model_->hparams().vocab_size;
  for (int32_t token : tokens)
    if (token < 0 || uint32_t(token) >= vocab)
      return Error("token id " + std::to_string(token) + " is outside the vocabulary of " + std::to_string(vocab));
  if (tokens.size() > plan_.context_length - position_)
    return Error(ErrorCode::ContextFull, "context is full: " + std::to_string(tokens.size()) + " more tokens do not fit after " +
                 std::to_string(position_) + " of " + std::to_string(plan_.context_length));
  return {};
}

Status Session::decode(int32_t token) {
  if (Status s = check_tokens({&token, 1}); !s) return s;
  b_.history[position_] = token;
  forward(&token, 1);
  ++decoded_tokens_;
  return {};
}

Status Session::prefill(std::span<const int32_t> tokens) {
  if (tokens.empty()) return Error("prefill needs at least one token");
  if (Status s = check_tokens(tokens); !s) return s;
  std::copy(tokens.begin(), tokens.end(), b_.history + position_);
  for (size_t first = 0; first < tokens.size(); first += batch())
    forward(tokens.data() + first, std::min<size_t>(batch(), tokens.size() - first));
  prefilled_tokens_ += tokens.size();
  return {};
}

void Session::matmul(std::initializer_list<MatmulJob> jobs, const float* input, size_t input_stride, size_t rows) {
  if (observer_)
    for (const MatmulJob& job : jobs)
      for (size_t r = 0; r < rows; ++r) observer_(observer_context_, *job.weights, input + r * input_stride);
  run_matmuls(matmul_context(), jobs, input, input_stride, rows);
}

MatmulContext Session::matmul_context() const {
  return {kernels_,
          pool_,
          plan_.options.threads,
          plan_.options.min_parallel_macs,
          {b_.quantized_input, b_.quantized_scales, b_.quantized_sums},
          {b_.residual_input, b_.residual_scales, b_.residual_sums},
          offload_};
}

Status Session::start_backend() {
  if (plan_.options.backend != MatmulBackend::Xnnpack) return {};
  auto created = xnnpack::Matrices::create(ForwardMatrices(*model_), region(ArenaRegion::Xnnpack));
  if (!created) return created.error();
  offload_ = created.value();
  return {};
}

std::string Session::backend_summary() const {
  if (!offload_) return std::string("backend sprig: sprig's kernels multiply every matrix");
  return offload_->summary();
}

KvCache Session::kv_cache() const {
  return KvCache(kv_cache_type(), model_->hparams(), plan_.context_length,
                 {b_.keys, b_.values, b_.key_scales, b_.value_scales}, *kernels_);
}

Status Session::read_kv(size_t layer, uint32_t position, std::span<float> keys, std::span<float> values) const {
  const Hyperparameters& h = model_->hparams();
  if (layer >= h.n_layers || position >= position_) return Error("no such cached position");
  if (keys.size() < h.kv_dim() || values.size() < h.kv_dim()) return Error("read_kv needs kv_dim floats for each");
  kv_cache().read(layer, position, keys.data(), values.data());
  return {};
}

namespace {

// Undoes `delta` positions of the rotation forward() gave each layer's keys: the same function
// and the same per-layer frequency table, so shifted keys are those of a fresh prefill up to rounding.
struct ShiftRotation {
  const Model* model;
  bool long_context;
  int64_t delta;
  static void rotate(const void* context, size_t layer, float* key) {
    const ShiftRotation& r = *static_cast<const ShiftRotation*>(context);
    const Hyperparameters& h = r.model->hparams();
    const bool sliding = r.model->layers()[layer].sliding;
    family::rope(key, h.n_kv_heads, h.head_dim, r.delta, r.model->rope_frequencies(sliding, r.long_context));
  }
};

}  // namespace

bool Session::can_shift() const { return !model_->family().learned_positions; }

Status Session::check_drop(uint32_t keep, uint32_t drop) const {
  if (uint64_t(keep) + drop > position_)
    return Error("cannot drop " + std::to_string(drop) + " tokens after " + std::to_string(keep) + " kept of " +
                 std::to_string(position_) + " cached");
  return {};
}

Status Session::shift(uint32_t keep, uint32_t drop) {
  if (Status s = check_drop(keep, drop); !s) return s;
  if (!can_shift())
    return Error(ErrorCode::CannotShift, std::string("context shift: ") + architecture_name(model_->family().architecture) +
                 " models have learned positions, so a cached key cannot be moved to another position; "
                 "recompute instead");
  if (drop == 0) return {};
  const Hyperparameters& h = model_->hparams();
  const FamilyOptions& f = model_->family();
  const bool long_context = f.rope_long_context && plan_.context_length > f.rope_long_context;
  const ShiftRotation rotation{model_.get(), long_context, -int64_t(drop)};
  kv_cache().shift_down(h.n_layers, size_t(keep) + drop, position_, drop, &ShiftRotation::rotate, &rotation, b_.k);
  std::copy(b_.history + keep + drop, b_.history + position_, b_.history + keep);
  position_ -= drop;
  return {};
}

Status Session::recompute_without(uint32_t keep, uint32_t drop) {
  if (Status s = check_drop(keep, drop); !s) return s;
  if (drop == 0) return {};
  const uint32_t remaining = position_ - drop;
  std::copy(b_.history + keep + drop, b_.history + position_, b_.history + keep);
  // prefill() would copy the tokens onto themselves: run the steps over the history directly.
  position_ = 0;
  for (size_t first = 0; first < remaining; first += batch())
    forward(b_.history + first, std::min<size_t>(batch(), remaining - first));
  prefilled_tokens_ += remaining;
  return {};
}

}  // namespace sprig
