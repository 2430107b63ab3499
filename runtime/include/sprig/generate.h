// The completion loop shared by the CLI, the tests and (later) the C API: feed the prompt,
// then sample, stream and feed back one token at a time until a stop condition.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "sprig/sampler.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"

namespace sprig {

enum class StopReason { TokenLimit, EndOfSequence, ContextFull, Cancelled };

struct GenerationStats {
  uint32_t prompt_tokens = 0;
  uint32_t generated_tokens = 0;
  uint32_t shifts = 0;  // context shifts made
  double prompt_seconds = 0;
  double generation_seconds = 0;
  StopReason stop = StopReason::TokenLimit;
};

// Receives each generated token and the whole UTF-8 characters it completes (possibly none);
// returns false to stop. At the end, token -1 carries an unfinished character as U+FFFD.
using TokenSink = std::function<bool(int32_t token, std::string_view text)>;

// What to do when the context is full: stop (StopReason::ContextFull), or shift: keep the first
// `keep` tokens, drop the oldest half of the rest (Session::shift) and go on.
struct ContextPolicy {
  bool shift = false;
  uint32_t keep = 0;
};

// `logits_scratch` holds vocab_size floats the sampler may overwrite. Text reaches the sink
// through the session's text region: nothing is allocated.
Result<GenerationStats> generate(Session& session, const Tokenizer& tokenizer, Sampler& sampler,
                                 std::span<const int32_t> prompt, uint32_t max_tokens, std::span<float> logits_scratch,
                                 const TokenSink& sink, const ContextPolicy& context = {});

}  // namespace sprig
