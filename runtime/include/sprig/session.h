// A session runs the transformer over a growing sequence of tokens, keeping the KV cache.
// All of its working memory is planned up front and taken in one allocation at creation.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "sprig/model.h"
#include "sprig/status.h"

namespace sprig {

struct SessionOptions {
  uint32_t context_length = 0;  // 0: the model's max_positions
};

// Bytes of every buffer a session needs; the total is what creation allocates.
struct SessionMemoryPlan {
  uint32_t context_length = 0;
  size_t kv_cache_bytes = 0;
  size_t activation_bytes = 0;
  size_t logits_bytes = 0;
  size_t total_bytes() const { return kv_cache_bytes + activation_bytes + logits_bytes; }
};

Result<SessionMemoryPlan> plan_session_memory(const Model& model, const SessionOptions& options);

class Session {
 public:
  static Result<std::unique_ptr<Session>> create(std::shared_ptr<const Model> model,
                                                 const SessionOptions& options = {});
  ~Session();

  // Feeds one token at the next position and computes the logits that follow it.
  Status decode(int32_t token);
  std::span<const float> logits() const;

  uint32_t position() const { return position_; }
  uint32_t context_length() const { return plan_.context_length; }
  const Model& model() const { return *model_; }
  void reset() { position_ = 0; }

  // Sees the input of every matrix-vector product before it runs (calibration collects
  // activation statistics this way); nullptr turns it off.
  using MatvecObserver = void (*)(void* context, const TensorView& weights, const float* input);
  void set_matvec_observer(MatvecObserver observer, void* context) {
    observer_ = observer;
    observer_context_ = context;
  }

 private:
  struct Buffers;
  Session(std::shared_ptr<const Model> model, const SessionMemoryPlan& plan, std::unique_ptr<float[]> memory);

  std::shared_ptr<const Model> model_;
  SessionMemoryPlan plan_;
  std::unique_ptr<float[]> memory_;
  std::unique_ptr<Buffers> buffers_;
  uint32_t position_ = 0;
  MatvecObserver observer_ = nullptr;
  void* observer_context_ = nullptr;
};

}  // namespace sprig
