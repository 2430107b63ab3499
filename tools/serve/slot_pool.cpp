#include "slot_pool.h"

namespace sprig::serve {

SlotPool::SlotPool(std::vector<std::unique_ptr<Slot>> slots, size_t queue_limit)
    : slots_(std::move(slots)), in_use_(slots_.size(), false), released_at_(slots_.size(), 0),
      queue_limit_(queue_limit) {}

std::optional<size_t> SlotPool::best_free(std::span<const int32_t> prompt) const {
  std::optional<size_t> best;
  size_t best_prefix = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (in_use_[i]) continue;
    const size_t prefix = slots_[i]->shared_prefix(prompt);
    if (!best || prefix > best_prefix || (prefix == best_prefix && released_at_[i] < released_at_[*best])) {
      best = i;
      best_prefix = prefix;
    }
  }
  return best;
}

std::variant<SlotPool::Lease, SlotPool::Refusal> SlotPool::acquire(std::span<const int32_t> prompt,
                                                                    std::chrono::milliseconds max_wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (draining_) return Refusal::Draining;
  std::optional<size_t> slot = waiting_ == 0 ? best_free(prompt) : std::nullopt;
  if (!slot) {
    if (waiting_ >= queue_limit_) return Refusal::QueueFull;
    ++waiting_;
    const bool got = freed_.wait_for(lock, max_wait, [&] { return (slot = best_free(prompt)).has_value(); });
    --waiting_;
    if (!got) return Refusal::Timeout;
  }
  in_use_[*slot] = true;
  return Lease(this, *slot);
}

void SlotPool::release(size_t index) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_[index] = false;
    released_at_[index] = ++releases_;
  }
  freed_.notify_all();
}

void SlotPool::drain() {
  std::lock_guard<std::mutex> lock(mutex_);
  draining_ = true;
}

size_t SlotPool::busy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  size_t n = 0;
  for (bool used : in_use_) n += used;
  return n;
}

size_t SlotPool::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_;
}

}  // namespace sprig::serve
