// A session runs the transformer over a growing sequence of tokens, keeping the KV cache.
// Everything it uses lives in one arena whose size plan_session_memory states exactly before
// anything is allocated: memory the caller hands in, or one allocation at creation. After
// creation, prefill and decode allocate nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sprig/model.h"
#include "sprig/status.h"

struct pthreadpool;

namespace sprig {
namespace kernels {
struct KernelSet;
}
class KvCache;
class MatmulOffload;
struct MatmulContext;
struct MatmulJob;

// How the KV cache stores keys and values. int8 keeps one f32 scale per position per kv head.
enum class KvCacheType : uint8_t { F32 = 0, F16 = 1, Int8 = 2 };
const char* kv_cache_type_name(KvCacheType type);
std::optional<KvCacheType> parse_kv_cache_type(std::string_view name);  // "f32", "f16", "int8"

// Who multiplies the matrices. Xnnpack gives every f32 matrix of the model to XNNPACK's f32
// fully-connected operator (created at session creation, its packed copy of the weights in the
// arena); f16 and quantized matrices stay on sprig's kernels (docs/xnnpack.md says why).
enum class MatmulBackend : uint8_t { Sprig = 0, Xnnpack = 1 };
const char* matmul_backend_name(MatmulBackend backend);
std::optional<MatmulBackend> parse_matmul_backend(std::string_view name);  // "sprig", "xnnpack"

// Debug builds paint the arena and measure how much of each buffer was used.
#ifdef NDEBUG
constexpr bool kTrackArenaByDefault = false;
#else
constexpr bool kTrackArenaByDefault = true;
#endif

struct SessionOptions {
  uint32_t context_length = 0;  // 0: the model's max_positions
  uint32_t batch = 32;          // prompt tokens per forward step in prefill
  uint32_t threads = 1;         // workers the forward pass may use; each has its own attention scores
  // Multiply-adds below which a matmul or attention step runs on the calling thread: dispatching
  // a parallel region (about 1 us, sprig-bench-kernels) costs more than it saves on small work.
  // 2^16 is about 4 us of one thread's q4 matvec; attention's count several times each
  // (session.cpp). 0: always parallel (tests).
  uint32_t min_parallel_macs = 1u << 16;
  KvCacheType kv_cache = KvCacheType::F16;
  // Sprig by default: bench/xnnpack.md has the measurements that decided it.
  MatmulBackend backend = MatmulBackend::Sprig;
  uint32_t max_text_bytes = 4096;  // the longest text one tokenize call takes
  // Paints the arena at creation and puts a guard after every buffer, so memory_usage() can
  // report how far each buffer was really used and whether any was overrun.
  bool track_memory = kTrackArenaByDefault;
};

// The buffers of a session's arena, in arena order.
enum class ArenaRegion : uint8_t {
  State,  // the Session object itself
  Keys, Values, KeyScales, ValueScales,  // KV cache; scales for int8 only
  X, Xb, Xb2, Q, K, V, Hb, Hb2, Logits,  // activations, [batch x width] each (logits one row)
  QuantizedInput, QuantizedScales, QuantizedSums, Scores,  // scratch
  SamplerCandidates, SamplerLogits,  // sampler
  TokenIds, TokenizerWorkspace, Text,  // text buffers
  History,  // the token at each cached position, so a cache that cannot be shifted can be recomputed
  Xnnpack,  // backend: XNNPACK's operators and their packed weights (backend xnnpack only)
  Count
};
constexpr size_t kArenaRegions = size_t(ArenaRegion::Count);
const char* arena_region_name(ArenaRegion region);

// Bytes of every buffer a session needs; total_bytes() is exactly what creation takes.
struct SessionMemoryPlan {
  SessionOptions options;  // as resolved (context length filled in)
  uint32_t context_length = 0;
  std::array<size_t, kArenaRegions> region_bytes{};  // each region's size before alignment
  size_t state_bytes = 0;       // the Session object
  size_t kv_cache_bytes = 0;    // keys, values (and int8 scales)
  size_t activation_bytes = 0;  // [batch x width] buffers and the logits
  size_t scratch_bytes = 0;     // quantized matmul inputs, per-thread attention scores
  size_t sampler_bytes = 0;     // top-k / top-p candidates, the logits it may overwrite
  size_t text_bytes = 0;        // token ids, tokenizer workspace, detokenized text
  size_t backend_bytes = 0;     // XNNPACK's operators and packed weights (backend xnnpack)
  size_t guard_bytes = 0;       // track_memory only: a guard after every region
  size_t padding_bytes = 0;     // 64-byte alignment of regions and of the arena's start
  size_t total_bytes() const {
    return state_bytes + kv_cache_bytes + activation_bytes + scratch_bytes + sampler_bytes + text_bytes +
           backend_bytes + guard_bytes + padding_bytes;
  }
};

Result<SessionMemoryPlan> plan_session_memory(const Model& model, const SessionOptions& options);

// What a tracked arena measured: each region's used extent (up to its last byte that no longer
// holds the paint) and whether every guard is intact.
struct ArenaUsage {
  std::array<size_t, kArenaRegions> used_bytes{};
  size_t high_water_bytes = 0;  // sum of used_bytes
  bool guards_intact = true;
};

class Session {
 public:
  // Runs the destructor and frees the arena if the session allocated it.
  struct Destroy {
    void operator()(Session* session) const;
  };
  using Ptr = std::unique_ptr<Session, Destroy>;

  // One allocation of plan_session_memory(...).total_bytes().
  static Result<Ptr> create(std::shared_ptr<const Model> model, const SessionOptions& options = {});
  // In the caller's memory, which must outlive the session; too small is an error naming the
  // bytes needed. No heap allocation at all.
  static Result<Ptr> create(std::shared_ptr<const Model> model, const SessionOptions& options,
                            std::span<std::byte> memory);

  // Feeds one token at the next position and computes the logits that follow it.
  Status decode(int32_t token);
  // Feeds tokens at the next positions, up to `batch` per forward step, and computes the logits
  // that follow the last one; the same result as decoding them one by one.
  Status prefill(std::span<const int32_t> tokens);
  // One logit per token the tokenizer has. A padded vocabulary's extra embedding rows (ids the
  // tokenizer cannot print) get no logit, so nothing downstream can sample or show them.
  std::span<const float> logits() const;

  // Context shift: drops `drop` cached tokens after the first `keep` (a system prompt) and moves
  // the later ones down by `drop` positions, rotating their cached keys by -drop positions with
  // the same RoPE frequencies the forward pass used for each layer, instead of recomputing
  // anything. The kept tokens' keys and values are untouched. A model with learned positions
  // (GPT-2) has no rotation to undo: shift refuses (can_shift() is false) and changes nothing.
  Status shift(uint32_t keep, uint32_t drop);
  bool can_shift() const;
  // The same drop by recomputing: the cache is rebuilt by prefilling the tokens that stay (the
  // session keeps the token at each position). What shift falls back to.
  Status recompute_without(uint32_t keep, uint32_t drop);
  // One cached position's keys and values (kv_dim floats each), dequantized.
  Status read_kv(size_t layer, uint32_t position, std::span<float> keys, std::span<float> values) const;

  uint32_t position() const { return position_; }
  uint32_t context_length() const { return plan_.context_length; }
  uint32_t batch() const { return plan_.options.batch; }
  KvCacheType kv_cache_type() const { return plan_.options.kv_cache; }
  const SessionMemoryPlan& plan() const { return plan_; }
  const Model& model() const { return *model_; }
  // For the start-up log: which matrices XNNPACK multiplies and which stay on sprig's kernels.
  std::string backend_summary() const;
  void reset() { position_ = 0; }
  // Keeps the first `positions` cached tokens and forgets the rest (prefix reuse: a server keeps
  // the longest prefix a new prompt shares with the cache and prefills only what follows). The
  // logits are stale until the next prefill or decode.
  void truncate(uint32_t positions) { position_ = positions < position_ ? positions : position_; }
  // The tokens at positions 0 .. position() - 1.
  std::span<const int32_t> tokens() const { return {b_.history, position_}; }

  // Tokens fed through prefill and through decode since creation: what a chat turn cost shows
  // in their change (a turn after earlier turns prefills only its own tokens).
  uint64_t prefilled_tokens() const { return prefilled_tokens_; }
  uint64_t decoded_tokens() const { return decoded_tokens_; }

  // Writes the positions so far (their `tokens`, one per position, and their KV cache) to a
  // file whose header names the model and the session settings (session_state.cpp).
  // `extra` is stored alongside (a chat keeps its messages there).
  Status save_state(const std::string& path, std::span<const int32_t> tokens, std::string_view extra = {}) const;
  // Reads a file save_state wrote for this model and these settings, restores the KV cache and
  // position, and returns the tokens (and `extra`). A file for another model or other settings,
  // or a damaged one, is an error and leaves the session reset.
  Result<std::vector<int32_t>> load_state(const std::string& path, std::string& extra);

  // A region of the arena, for the parts of the token path outside the forward pass (sampler,
  // tokenizer, text); sized by the plan.
  std::span<std::byte> region(ArenaRegion region) const;
  // Only meaningful with track_memory.
  ArenaUsage memory_usage() const;

  // Sees the input of every matrix-vector product before it runs (calibration collects
  // activation statistics this way); nullptr turns it off.
  using MatvecObserver = void (*)(void* context, const TensorView& weights, const float* input);
  void set_matvec_observer(MatvecObserver observer, void* context) {
    observer_ = observer;
    observer_context_ = context;
  }

  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

 private:
  // The arena's buffers (plan_session_memory sizes them; wide = max(dim, q_dim)).
  struct Buffers {
    float* x;       // [batch x dim] the residual stream
    float* xb;      // [batch x wide] a block's normalized input; attention's output
    float* xb2;     // [batch x dim] a block's output, before it joins the residual stream
    float* q;       // [batch x q_dim]
    float *k, *v;   // [batch x kv_dim] this step's keys and values, before they enter the cache
    float *hb, *hb2;  // [batch x ffn_dim] the feed-forward's gate and up
    float* logits;  // [vocab_size] of the step's last token
    float* scores;  // [threads x context] one row of attention scores per thread
    int32_t* history;  // [context] the token at each position
    void *keys, *values;              // KV cache (session/kv_cache.h has the layouts)
    float *key_scales, *value_scales;  // int8 cache only
    int8_t* quantized_input;  // [batch x values] a quantized matmul's input (session/matmul.h)
    float* quantized_scales;  // [batch x blocks]
    int32_t* quantized_sums;  // [batch x blocks]
    int8_t* residual_input;   // q8's second activation term, laid out as the first
    float* residual_scales;
    int32_t* residual_sums;
  };
  Session(std::shared_ptr<const Model> model, const SessionMemoryPlan& plan, std::byte* arena, void* owned);
  ~Session();
  // One forward step over n <= batch tokens at positions position_ ..; logits for the last (forward.cpp).
  void forward(const int32_t* tokens, size_t n);
  // Several matrices over the same input in one parallel region (q/k/v, gate/up): matmul.h.
  void matmul(std::initializer_list<MatmulJob> jobs, const float* input, size_t input_stride, size_t rows);
  MatmulContext matmul_context() const;
  // Creates the backend's operators in their arena region (backend xnnpack); called by create().
  Status start_backend();
  // Views of the KV cache's regions (kv_cache.h).
  KvCache kv_cache() const;
  // The (row, head) pairs of a step's attention, one contiguous share per thread.
  struct AttentionStep;
  static void attend_share(void* step, size_t share);
  Status check_tokens(std::span<const int32_t> tokens) const;
  Status check_drop(uint32_t keep, uint32_t drop) const;

  std::shared_ptr<const Model> model_;
  SessionMemoryPlan plan_;
  std::byte* arena_;  // 64-byte aligned; the Session object is its first region
  void* owned_;       // the allocation to free, or nullptr for caller memory
  std::array<size_t, kArenaRegions> offsets_{};
  Buffers b_{};
  uint32_t position_ = 0;
  uint64_t prefilled_tokens_ = 0, decoded_tokens_ = 0;
  MatvecObserver observer_ = nullptr;
  void* observer_context_ = nullptr;
  const kernels::KernelSet* kernels_;  // the set in use when the session was created
  pthreadpool* pool_ = nullptr;        // threads - 1 workers; nullptr runs everything on the caller
  MatmulOffload* offload_ = nullptr;   // backend xnnpack: in the Xnnpack region
};

}  // namespace sprig
