// The reference forward pass: pre-norm blocks with grouped-query attention and a gated (or, for
// GPT-2, plain) feed-forward network, over a KV cache in f32, f16 or int8. What the families change
// (family_math.h: LayerNorm, biases, q/k norms, GeLU, soft-capping, sliding windows, RoPE tables)
// is applied where the model file says so. A forward step takes
// up to `batch` tokens as [batch x width] buffers, so prefill and decode share one code path
// and the kernels see whole batches (a GEMM replaces the per-row matvec loop in matmul()).
//
// The kernel calls live in a few places: matmul(), store_kv() and attend_head() on the token
// path, load_kv_row() / store_kv_row() and the rotation in shift() for context shifts. The
// token path goes through the kernel set chosen at start-up (kernels/kernel_set.h); with
// threads > 1 each matmul group and the attention of a step are one pthreadpool region each,
// about five per layer.
#include "sprig/session.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include <pthreadpool.h>

#include "../kernels/attention.h"
#include "../kernels/kernel_set.h"
#include "../kernels/reference.h"
#include "model/family_math.h"
#include "backends/xnnpack_backend.h"
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
// each batch row of the quantized-input scratch holds that much. q8 matrices take a second int8
// term (reference.h), which sits after the first batch in the same regions.
struct QuantizedInputSize {
  size_t values = 0, blocks = 0;
  bool two_terms = false;
  size_t terms() const { return two_terms ? 2 : 1; }
};

QuantizedInputSize quantized_input_size(const Model& model) {
  QuantizedInputSize size;
  auto consider = [&size](const TensorView& w) {
    if (!quantized(w.dtype)) return;
    const size_t blocks = (w.cols + w.group - 1) / w.group;
    size.values = std::max(size.values, blocks * w.group);
    size.blocks = std::max(size.blocks, blocks);
    size.two_terms |= w.dtype == DType::Q8;
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

enum class Category { State, KvCache, Activations, Scratch, Sampler, Text, Backend };

Category category_of(ArenaRegion r) {
  if (r == ArenaRegion::State) return Category::State;
  if (r <= ArenaRegion::ValueScales) return Category::KvCache;
  if (r <= ArenaRegion::Logits) return Category::Activations;
  if (r <= ArenaRegion::Scores) return Category::Scratch;
  if (r == ArenaRegion::SamplerCandidates || r == ArenaRegion::SamplerLogits) return Category::Sampler;
  if (r == ArenaRegion::Xnnpack) return Category::Backend;
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

// y[r] += bias for `rows` rows `stride` apart, when the model has that bias.
void add_bias_rows(float* y, size_t stride, const TensorView& bias, size_t n, size_t rows) {
  for (size_t r = 0; r < rows; ++r) family::add_bias(y + r * stride, bias, n);
}

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
      "logits", "quantized input", "quantized scales", "quantized sums", "attention scores", "sampler candidates", "sampler logits",
      "token ids", "tokenizer workspace", "text", "xnnpack"};
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
  if (options.backend == MatmulBackend::Xnnpack) {
    auto bytes = xnnpack::region_bytes(model);
    if (!bytes) return bytes.error();
    r[size_t(R::Xnnpack)] = bytes.value();
  } else if (options.backend != MatmulBackend::Sprig) {
    return Error("unknown matmul backend");
  }

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
      case Category::Backend: plan.backend_bytes += bytes; break;
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
  Ptr session(new (memory) Session(std::move(model), plan.value(), static_cast<std::byte*>(memory), memory));
  if (Status s = session->start_backend(); !s) return Error(s.message());
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
  if (Status s = session->start_backend(); !s) return Error(s.message());
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
  const QuantizedInputSize quantized = quantized_input_size(*model_);
  b_.residual_input = b_.quantized_input + plan_.options.batch * quantized.values;
  b_.residual_scales = b_.quantized_scales + plan_.options.batch * quantized.blocks;
  b_.residual_sums = b_.quantized_sums + plan_.options.batch * quantized.blocks;
  b_.scores = static_cast<float*>(at(R::Scores));
}

Session::~Session() {
  xnnpack::Matrices::destroy(xnnpack_);
  if (pool_) pthreadpool_destroy(pool_);
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

std::span<const float> Session::logits() const { return {b_.logits, model_->vocab().pieces.size()}; }

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
  ++decoded_tokens_;
  return {};
}

Status Session::prefill(std::span<const int32_t> tokens) {
  if (tokens.empty()) return Error("prefill needs at least one token");
  if (Status s = check_tokens(tokens); !s) return s;
  for (size_t first = 0; first < tokens.size(); first += batch())
    forward(tokens.data() + first, std::min<size_t>(batch(), tokens.size() - first));
  prefilled_tokens_ += tokens.size();
  return {};
}

// y[r] = W x[r] for `rows` batch rows, for each job's W; quantized weights take inputs quantized
// per row in blocks, once for all jobs when they share a group.
void Session::matmul(std::initializer_list<MatmulJob> jobs, const float* input, size_t input_stride, size_t rows) {
  size_t group = 0;
  bool one_group = true;
  for (const MatmulJob& job : jobs) {
    if (observer_)
      for (size_t r = 0; r < rows; ++r) observer_(observer_context_, *job.weights, input + r * input_stride);
    if (!quantized(job.weights->dtype)) continue;
    if (group && group != job.weights->group) one_group = false;
    group = job.weights->group;
  }
  if (xnnpack_) return matmul_xnnpack(jobs, input, input_stride, rows);
  if (one_group) return run_matmuls(jobs.begin(), jobs.size(), input, input_stride, rows);
  for (const MatmulJob& job : jobs) run_matmuls(&job, 1, input, input_stride, rows);
}

namespace {

constexpr size_t kMaxJobs = 3;

// One parallel region over the rows of up to kMaxJobs matrices, cut into tiles of whole rows.
struct MatmulRegion {
  const k::KernelSet* kernels;
  const TensorView* weights[kMaxJobs];
  k::QuantizedWeights views[kMaxJobs];
  float* outputs[kMaxJobs];
  size_t output_strides[kMaxJobs];
  size_t tile_rows[kMaxJobs];
  size_t tiles[kMaxJobs];
  size_t jobs;
  const float* input;
  size_t input_stride, rows;
  k::QuantizedBatch quantized_input;
  k::QuantizedBatch residual_input;  // q8's second term

  static void run_tile(void* context, size_t tile) {
    const MatmulRegion& m = *static_cast<const MatmulRegion*>(context);
    size_t j = 0;
    while (tile >= m.tiles[j]) tile -= m.tiles[j++];
    const TensorView& w = *m.weights[j];
    const size_t begin = tile * m.tile_rows[j], end = std::min<size_t>(w.rows, begin + m.tile_rows[j]);
    float* y = m.outputs[j];
    const size_t stride = m.output_strides[j];
    const k::KernelSet& ks = *m.kernels;
    const bool one = m.rows == 1;
    switch (w.dtype) {
      case DType::F32: {
        const float* data = static_cast<const float*>(w.data);
        if (one) return ks.matvec_f32(data, m.input, y, w.cols, begin, end);
        return ks.gemm_f32(data, m.input, m.input_stride, m.rows, y, stride, w.cols, begin, end);
      }
      case DType::F16: {
        const uint16_t* data = static_cast<const uint16_t*>(w.data);
        if (one) return ks.matvec_f16(data, m.input, y, w.cols, begin, end);
        return ks.gemm_f16(data, m.input, m.input_stride, m.rows, y, stride, w.cols, begin, end);
      }
      case DType::Q8:
        if (one) return ks.matvec_q8_residual(m.views[j], m.quantized_input.row(0), m.residual_input.row(0), y, begin, end);
        return ks.gemm_q8_residual(m.views[j], m.quantized_input, m.residual_input, y, stride, begin, end);
      case DType::Q4:
        if (one) return ks.matvec_q4(m.views[j], m.quantized_input.row(0), y, begin, end);
        return ks.gemm_q4(m.views[j], m.quantized_input, y, stride, begin, end);
      case DType::Q4A:
        if (one) return ks.matvec_q4a(m.views[j], m.quantized_input.row(0), y, begin, end);
        return ks.gemm_q4a(m.views[j], m.quantized_input, y, stride, begin, end);
    }
  }
};

// Rows per tile, whole multiples of 8 so the kernels' row tiles stay full. Prefill (a compute-
// bound GEMM) takes a few tiles per thread so uneven finishing evens out. Decode streams each
// matrix once and a thread that finishes first waits up to one tile at the region's end, so its
// tiles also hold at most kDecodeTileBytes of weights: a quarter of a thread's share of the 1B
// model's 8192-row matrices was 1.2 MB, and the waits were 5% of the threads' time.
constexpr size_t kDecodeTileBytes = 64 * 1024;

size_t rows_per_tile(const TensorView& w, size_t threads, bool decode) {
  if (threads <= 1) return w.rows;
  const size_t tiles = threads * 4;
  size_t rows = (w.rows + tiles - 1) / tiles;
  if (decode) {
    const uint64_t bytes = tensor_layout(w.dtype, w.rows, w.cols, w.group).total_bytes;
    rows = std::min(rows, kDecodeTileBytes / std::max<size_t>(1, bytes / std::max<size_t>(1, w.rows)));
  }
  return std::max<size_t>(8, rows + 7) / 8 * 8;
}

}  // namespace

void Session::run_matmuls(const MatmulJob* jobs, size_t count, const float* input, size_t input_stride,
                          size_t rows) {
  MatmulRegion m{};
  m.kernels = kernels_;
  m.jobs = count;
  m.input = input;
  m.input_stride = input_stride;
  m.rows = rows;
  size_t total_tiles = 0, columns = 0;
  bool two_terms = false;
  const size_t threads = plan_.options.threads;
  for (size_t j = 0; j < count; ++j) {
    const TensorView& w = *jobs[j].weights;
    m.weights[j] = &w;
    m.outputs[j] = jobs[j].output;
    m.output_strides[j] = jobs[j].output_stride;
    m.tile_rows[j] = rows_per_tile(w, threads, rows == 1);
    m.tiles[j] = (w.rows + m.tile_rows[j] - 1) / m.tile_rows[j];
    total_tiles += m.tiles[j];
    if (!quantized(w.dtype)) continue;
    m.views[j] = quantized_view(w);
    if (w.dtype == DType::Q8) two_terms = true;
    if (m.quantized_input.quants) continue;
    // The jobs share the input and the group: quantize each batch row once, back to back.
    const size_t blocks = m.views[j].blocks_per_row;
    m.quantized_input = {b_.quantized_input, b_.quantized_scales, b_.quantized_sums, blocks, w.group, rows};
    m.residual_input = {b_.residual_input, b_.residual_scales, b_.residual_sums, blocks, w.group, rows};
    columns = w.cols;
  }
  // On the calling thread: an O(columns) pass next to the matmul's O(rows x columns).
  for (size_t r = 0; r < rows && m.quantized_input.quants; ++r) {
    k::QuantizedActivations x = m.quantized_input.row(r);
    if (!two_terms) {
      kernels_->quantize_activations(input + r * input_stride, columns, x);
      continue;
    }
    k::QuantizedActivations residual = m.residual_input.row(r);
    kernels_->quantize_activations_residual(input + r * input_stride, columns, x, residual);
  }
  // Small work (stories260K: every matrix) stays on the calling thread.
  size_t macs = 0;
  for (size_t j = 0; j < count; ++j) macs += size_t(jobs[j].weights->rows) * jobs[j].weights->cols * rows;
  pthreadpool* pool = macs >= plan_.options.min_parallel_macs ? pool_ : nullptr;
  pthreadpool_parallelize_1d(pool, &MatmulRegion::run_tile, &m, total_tiles, 0);
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
        kernels_->kv_store_f16(key, static_cast<uint16_t*>(b_.keys) + row * kv_dim, kv_dim);
        kernels_->kv_store_f16(value, static_cast<uint16_t*>(b_.values) + row * kv_dim, kv_dim);
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

void Session::load_kv_row(const void* cache, const float* scales, size_t row, float* out) const {
  const Hyperparameters& h = model_->hparams();
  const size_t kv_dim = h.kv_dim();
  switch (kv_cache_type()) {
    case KvCacheType::F32:
      std::memcpy(out, static_cast<const float*>(cache) + row * kv_dim, kv_dim * sizeof(float));
      return;
    case KvCacheType::F16: return k::kv_load_f16_scalar(static_cast<const uint16_t*>(cache) + row * kv_dim, out, kv_dim);
    case KvCacheType::Int8:
      return k::kv_load_int8_scalar(static_cast<const int8_t*>(cache) + row * kv_dim, scales + row * h.n_kv_heads,
                                    h.n_kv_heads, h.head_dim, out);
  }
}

void Session::store_kv_row(const float* in, void* cache, float* scales, size_t row) {
  const Hyperparameters& h = model_->hparams();
  const size_t kv_dim = h.kv_dim();
  switch (kv_cache_type()) {
    case KvCacheType::F32: std::memcpy(static_cast<float*>(cache) + row * kv_dim, in, kv_dim * sizeof(float)); return;
    case KvCacheType::F16: return kernels_->kv_store_f16(in, static_cast<uint16_t*>(cache) + row * kv_dim, kv_dim);
    case KvCacheType::Int8:
      return k::kv_store_int8_scalar(in, h.n_kv_heads, h.head_dim, static_cast<int8_t*>(cache) + row * kv_dim,
                                     scales + row * h.n_kv_heads);
  }
}

Status Session::read_kv(size_t layer, uint32_t position, std::span<float> keys, std::span<float> values) const {
  const Hyperparameters& h = model_->hparams();
  if (layer >= h.n_layers || position >= position_) return Error("no such cached position");
  if (keys.size() < h.kv_dim() || values.size() < h.kv_dim()) return Error("read_kv needs kv_dim floats for each");
  const size_t row = layer * plan_.context_length + position;
  load_kv_row(b_.keys, b_.key_scales, row, keys.data());
  load_kv_row(b_.values, b_.value_scales, row, values.data());
  return {};
}

Status Session::shift(uint32_t keep, uint32_t drop) {
  if (uint64_t(keep) + drop > position_)
    return Error("cannot drop " + std::to_string(drop) + " tokens after " + std::to_string(keep) + " kept of " +
                 std::to_string(position_) + " cached");
  if (drop == 0) return {};
  const Hyperparameters& h = model_->hparams();
  const size_t kv_dim = h.kv_dim();
  const size_t value_bytes = kv_dim * (kv_cache_type() == KvCacheType::F32   ? 4
                                       : kv_cache_type() == KvCacheType::F16 ? 2
                                                                             : 1);
  float* key = b_.k;  // one row of staging
  for (size_t l = 0; l < h.n_layers; ++l) {
    const size_t layer_row = l * plan_.context_length;
    // Upwards: a destination row was read (as a source) before it is overwritten.
    for (size_t t = size_t(keep) + drop; t < position_; ++t) {
      const size_t from = layer_row + t, to = from - drop;
      load_kv_row(b_.keys, b_.key_scales, from, key);
      k::rope_rotate_interleaved_f32_scalar(key, h.n_kv_heads, h.head_dim, -int64_t(drop), h.rope_theta);
      store_kv_row(key, b_.keys, b_.key_scales, to);
      std::memcpy(static_cast<std::byte*>(b_.values) + to * value_bytes,
                  static_cast<const std::byte*>(b_.values) + from * value_bytes, value_bytes);
      if (kv_cache_type() == KvCacheType::Int8)
        std::memcpy(b_.value_scales + to * h.n_kv_heads, b_.value_scales + from * h.n_kv_heads,
                    h.n_kv_heads * sizeof(float));
    }
  }
  position_ -= drop;
  return {};
}

// Attention of one head of batch row `row` (at `position`) over the cache up to and including
// `position`; `scores` is the calling thread's row of the scores region.
void Session::attend_head(size_t layer, size_t row, size_t position, size_t head, float* scores, float* out) {
  const Hyperparameters& h = model_->hparams();
  const FamilyOptions& f = model_->family();
  const k::KernelSet& ks = *kernels_;
  // A sliding layer sees the last sliding_window positions, this one included.
  const size_t first = model_->layers()[layer].sliding && position + 1 > f.sliding_window
                           ? position + 1 - f.sliding_window
                           : 0;
  const size_t kv_dim = h.kv_dim(), count = position + 1 - first;
  const size_t group = h.n_heads / h.n_kv_heads;
  const size_t layer_row = layer * plan_.context_length + first;
  const float scale = f.attention_scale > 0 ? f.attention_scale : 1.0f / std::sqrt(float(h.head_dim));
  const float* q = b_.q + row * h.q_dim() + head * h.head_dim;
  const size_t kv_head = head / group;
  const size_t offset = layer_row * kv_dim + kv_head * h.head_dim;
  float* head_out = out + head * h.head_dim;
  switch (kv_cache_type()) {
    case KvCacheType::F32: {
      const float* keys = static_cast<const float*>(b_.keys) + offset;
      const float* values = static_cast<const float*>(b_.values) + offset;
      ks.attention_scores_f32(q, keys, kv_dim, count, h.head_dim, scale, scores);
      family::softcap(scores, count, f.attention_softcap);
      ks.softmax(scores, count);
      ks.weighted_sum_f32(scores, values, kv_dim, count, h.head_dim, head_out);
      break;
    }
    case KvCacheType::F16: {
      const uint16_t* keys = static_cast<const uint16_t*>(b_.keys) + offset;
      const uint16_t* values = static_cast<const uint16_t*>(b_.values) + offset;
      ks.attention_scores_f16(q, keys, kv_dim, count, h.head_dim, scale, scores);
      family::softcap(scores, count, f.attention_softcap);
      ks.softmax(scores, count);
      ks.weighted_sum_f16(scores, values, kv_dim, count, h.head_dim, head_out);
      break;
    }
    case KvCacheType::Int8: {
      const int8_t* keys = static_cast<const int8_t*>(b_.keys) + offset;
      const int8_t* values = static_cast<const int8_t*>(b_.values) + offset;
      const size_t scale_offset = layer_row * h.n_kv_heads + kv_head;
      ks.attention_scores_int8(q, keys, kv_dim, b_.key_scales + scale_offset, h.n_kv_heads, count, h.head_dim, scale,
                               scores);
      family::softcap(scores, count, f.attention_softcap);
      ks.softmax(scores, count);
      ks.weighted_sum_int8(scores, values, kv_dim, b_.value_scales + scale_offset, h.n_kv_heads, count, h.head_dim,
                           head_out);
      break;
    }
  }
}

// Each share owns one row of the scores region.
struct Session::AttentionStep {
  Session* session;
  size_t layer, first_position, pairs, shares;
};

void Session::attend_share(void* context, size_t share) {
  const AttentionStep& a = *static_cast<const AttentionStep*>(context);
  Session& s = *a.session;
  const Hyperparameters& h = s.model_->hparams();
  const size_t wide = std::max(h.dim, h.q_dim());
  float* scores = s.b_.scores + share * s.plan_.context_length;
  for (size_t pair = a.pairs * share / a.shares; pair < a.pairs * (share + 1) / a.shares; ++pair) {
    const size_t row = pair / h.n_heads, head = pair % h.n_heads;
    s.attend_head(a.layer, row, a.first_position + row, head, scores, s.b_.xb + row * wide);
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
    matmul({{&w.wq, b_.q, q_dim}, {&w.wk, b_.k, kv_dim}, {&w.wv, b_.v, kv_dim}}, b_.xb, wide, n);
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
        family::rope(b_.q + r * q_dim, h.n_heads, h.head_dim, pos + r, frequencies);
        family::rope(b_.k + r * kv_dim, h.n_kv_heads, h.head_dim, pos + r, frequencies);
      }
    }
    // The whole batch enters the cache first; row r then sees positions up to pos + r only.
    store_kv(l, pos, n);
    // Attention's multiply-adds cost several of a matvec's (f16 loads, the reference's summation
    // order, a softmax): SmolLM2 decode runs them at 2.9 GMAC/s against 17 for its q4 matvecs.
    constexpr size_t kAttentionCostPerMac = 8;
    const size_t pairs = n * h.n_heads, attention_macs = pairs * (pos + n) * h.head_dim * 2;
    const bool parallel = pool_ && attention_macs * kAttentionCostPerMac >= plan_.options.min_parallel_macs;
    AttentionStep attention{this, l, pos, pairs, parallel ? std::min<size_t>(plan_.options.threads, pairs) : 1};
    pthreadpool_parallelize_1d(parallel ? pool_ : nullptr, &Session::attend_share, &attention, attention.shares, 0);
    matmul({{&w.wo, b_.xb2, dim}}, b_.xb, wide, n);
    add_bias_rows(b_.xb2, dim, w.bo, dim, n);
    if (w.attn_post_norm.data) normalize_rows(b_.xb2, w.attn_post_norm, {}, b_.xb2, dim, n);
    for (size_t i = 0; i < n * dim; ++i) b_.x[i] += b_.xb2[i];

    normalize_rows(b_.x, w.ffn_norm, w.ffn_norm_bias, b_.xb, wide, n);
    if (f.activation == Activation::GeluTanh) {
      matmul({{&w.w_up, b_.hb, ffn}}, b_.xb, wide, n);
      add_bias_rows(b_.hb, ffn, w.b_up, ffn, n);
    } else {
      matmul({{&w.w_gate, b_.hb, ffn}, {&w.w_up, b_.hb2, ffn}}, b_.xb, wide, n);
      add_bias_rows(b_.hb2, ffn, w.b_up, ffn, n);
    }
    for (size_t r = 0; r < n; ++r) {
      if (f.activation == Activation::SiluGated) ks.swiglu(b_.hb + r * ffn, b_.hb2 + r * ffn, ffn);
      else family::activate(f.activation, b_.hb + r * ffn, b_.hb2 + r * ffn, ffn);
    }
    matmul({{&w.w_down, b_.xb2, dim}}, b_.hb, ffn, n);
    add_bias_rows(b_.xb2, dim, w.b_down, dim, n);
    if (w.ffn_post_norm.data) normalize_rows(b_.xb2, w.ffn_post_norm, {}, b_.xb2, dim, n);
    for (size_t i = 0; i < n * dim; ++i) b_.x[i] += b_.xb2[i];
  }
  // Only the last token's logits are wanted.
  float* last = b_.x + (n - 1) * dim;
  normalize_rows(last, model_->output_norm(), model_->output_norm_bias(), last, dim, 1);
  matmul({{&model_->output(), b_.logits, h.vocab_size}}, last, dim, 1);
  family::softcap(b_.logits, h.vocab_size, f.output_softcap);
  position_ += uint32_t(n);
}

}  // namespace sprig
