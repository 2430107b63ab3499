// libFuzzer target for sprig serve's request parsing: any bytes as a request body of any route
// (the first byte picks it) must parse or be refused with an error object, never crash, and what
// parses must respect the bounds the server relies on. The stop-string matcher then runs over
// the body as if it were generated text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "openai_request.h"
#include "sprig/stop_strings.h"

using namespace sprig::serve;

namespace {

void require(bool condition) {
  if (!condition) std::abort();
}

void check_sampling(const SamplingRequest& s) {
  require(s.temperature >= 0.0f && s.temperature <= 2.0f);
  require(s.top_p >= 0.0f && s.top_p <= 1.0f);
  require(s.min_p >= 0.0f && s.min_p <= 1.0f);
  require(s.stop.size() <= kMaxStopStrings);
  for (const auto& stop : s.stop) require(!stop.empty());
  require(s.top_logprobs <= kMaxTopLogprobs);
  require(!s.max_tokens || *s.max_tokens >= 1);
  require(s.logit_bias.size() <= kMaxLogitBias);
  for (const auto& [id, bias] : s.logit_bias) require(id >= 0 && bias >= -100.0f && bias <= 100.0f);
}

void run_stops(const SamplingRequest& s, std::string_view text) {
  if (s.stop.empty()) return;
  sprig::StopStrings stops(s.stop);
  std::string out;
  for (size_t i = 0; i < text.size() && !stops.stopped(); i += 3) stops.push(text.substr(i, 3), out);
  if (!stops.stopped()) stops.finish(out);
  // What went out never contains a stop string, and is a prefix of the text.
  for (const auto& stop : s.stop) require(out.find(stop) == std::string::npos);
  require(text.substr(0, out.size()) == out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto r = parse_chat_request(body);
      if (!r) {
        require(!r.error().message.empty() && r.error().status == 400);
        break;
      }
      require(!r->messages.empty() && r->messages.back().role == "user");
      for (const auto& m : r->messages) require(m.role == "system" || m.role == "user" || m.role == "assistant");
      check_sampling(r->sampling);
      run_stops(r->sampling, body);
      break;
    }
    case 1: {
      auto r = parse_completion_request(body);
      if (!r) {
        require(!r.error().message.empty());
        break;
      }
      check_sampling(r->sampling);
      run_stops(r->sampling, r->prompt);
      break;
    }
    case 2: {
      auto r = parse_tokenize_request(body);
      require(r.ok() || !r.error().message.empty());
      break;
    }
    default: {
      auto r = parse_detokenize_request(body);
      if (r)
        for (int32_t id : r->tokens) require(id >= 0);
      break;
    }
  }
  return 0;
}
