// Counters for GET /metrics, in Prometheus' text format.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "slot.h"

namespace sprig::serve {

class SlotPool;

class Metrics {
 public:
  void request(int status);  // one finished HTTP request on a generation or tokenizer route
  void run(const SlotRun& run);
  std::string prometheus(const SlotPool& pool) const;

 private:
  std::atomic<uint64_t> requests_{0}, client_errors_{0}, rejected_{0}, server_errors_{0};
  std::atomic<uint64_t> prompt_tokens_{0}, cached_tokens_{0}, generated_tokens_{0}, cancelled_{0};
  std::atomic<uint64_t> prefill_us_{0}, decode_us_{0};
};

}  // namespace sprig::serve
