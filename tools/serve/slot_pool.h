// The slots and the bounded queue in front of them. A request takes the free slot whose cache
// shares the longest prefix with its prompt (ties: the one idle longest); when every slot is busy
// it waits in a queue of at most `queue_limit` requests, and beyond that it is turned away (the
// server answers 503 with Retry-After).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "slot.h"

namespace sprig::serve {

class SlotPool {
 public:
  SlotPool(std::vector<std::unique_ptr<Slot>> slots, size_t queue_limit);

  // A slot held by one request; released when destroyed.
  class Lease {
   public:
    Lease(SlotPool* pool, size_t index) : pool_(pool), index_(index) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), index_(other.index_) { other.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_) pool_->release(index_);
    }
    Slot& slot() const { return *pool_->slots_[index_]; }
    size_t index() const { return index_; }

   private:
    SlotPool* pool_;
    size_t index_;
  };

  enum class Refusal { QueueFull, Timeout, Draining };
  // Waits at most `max_wait` for a slot.
  std::variant<Lease, Refusal> acquire(std::span<const int32_t> prompt, std::chrono::milliseconds max_wait);
  // New requests are refused from now on (SIGTERM); those holding or waiting keep going.
  void drain();

  size_t size() const { return slots_.size(); }
  size_t busy() const;
  size_t queued() const;
  const Slot& slot(size_t i) const { return *slots_[i]; }

 private:
  void release(size_t index);
  std::optional<size_t> best_free(std::span<const int32_t> prompt) const;  // with mutex_ held

  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<bool> in_use_;
  std::vector<uint64_t> released_at_;  // a counter: smaller is idle longer
  uint64_t releases_ = 0;
  size_t queue_limit_, waiting_ = 0;
  bool draining_ = false;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
};

}  // namespace sprig::serve
