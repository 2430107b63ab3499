#include "metrics.h"

#include <cstdio>

#include "slot_pool.h"

namespace sprig::serve {

void Metrics::request(int status) {
  ++requests_;
  if (status == 503) ++rejected_;
  else if (status >= 500) ++server_errors_;
  else if (status >= 400) ++client_errors_;
}

void Metrics::run(const SlotRun& run) {
  prompt_tokens_ += run.prompt_tokens;
  cached_tokens_ += run.cached_tokens;
  generated_tokens_ += run.completion_tokens;
  if (run.finish == Finish::Cancelled) ++cancelled_;
  prefill_us_ += uint64_t(run.prefill_seconds * 1e6);
  decode_us_ += uint64_t(run.decode_seconds * 1e6);
}

std::string Metrics::prometheus(const SlotPool& pool) const {
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, double value) {
    char line[512];
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
    out += line;
  };
  const double prefill_s = double(prefill_us_) / 1e6, decode_s = double(decode_us_) / 1e6;
  const double prefilled = double(prompt_tokens_ - cached_tokens_);
  metric("sprig_requests_total", "counter", "HTTP requests answered on the API routes", double(requests_));
  metric("sprig_requests_client_errors_total", "counter", "requests answered with a 4xx status", double(client_errors_));
  metric("sprig_requests_rejected_total", "counter", "requests turned away with 503 (queue full, draining)",
         double(rejected_));
  metric("sprig_requests_server_errors_total", "counter", "requests answered with a 5xx status other than 503",
         double(server_errors_));
  metric("sprig_generations_cancelled_total", "counter", "generations stopped because the client went away",
         double(cancelled_));
  metric("sprig_prompt_tokens_total", "counter", "prompt tokens of all requests", double(prompt_tokens_));
  metric("sprig_prompt_tokens_cached_total", "counter", "prompt tokens reused from a slot's cache",
         double(cached_tokens_));
  metric("sprig_prefill_tokens_total", "counter", "prompt tokens computed (not reused)", prefilled);
  metric("sprig_generated_tokens_total", "counter", "tokens generated", double(generated_tokens_));
  metric("sprig_prefill_seconds_total", "counter", "time spent in prefill", prefill_s);
  metric("sprig_decode_seconds_total", "counter", "time spent generating", decode_s);
  metric("sprig_prefill_tokens_per_second", "gauge", "prefill speed over all requests so far",
         prefill_s > 0 ? prefilled / prefill_s : 0.0);
  metric("sprig_decode_tokens_per_second", "gauge", "decode speed of one slot over all requests so far",
         decode_s > 0 ? double(generated_tokens_) / decode_s : 0.0);
  metric("sprig_queue_depth", "gauge", "requests waiting for a slot", double(pool.queued()));
  metric("sprig_slots_busy", "gauge", "slots generating", double(pool.busy()));
  metric("sprig_slots", "gauge", "slots", double(pool.size()));
  return out;
}

}  // namespace sprig::serve
