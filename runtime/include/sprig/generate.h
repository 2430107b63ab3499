// The completion loop shared by the CLI, the chat, the tests and the C API: feed the prompt,
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

// The one decode loop, under run, chat and the C API: sample, stop on a stop token or the limit,
// stream the text to the sink, feed the token back, until the sink says stop or the context is full.
struct DecodeOptions {
  uint32_t max_tokens = 0;
  std::function<bool(int32_t token)> is_stop;  // empty: the tokenizer's end-of-sequence token
  ContextPolicy context;
  // A chat turn's order: each token is fed before the sink sees it (a cancelled reply's last
  // token is in the cache, as in the conversation), and a token sampled when the context is full
  // ends the turn unseen. Otherwise the sink sees a token first and a full context stops or
  // shifts (`context`) after it.
  bool feed_before_sink = false;
  // Optional steps of the server's: one on the logits before the sampler (logit_bias), one when a
  // token is taken, before it is fed (logprobs read the logits it was drawn from).
  std::function<void(std::span<float> logits)> adjust_logits;
  std::function<void(int32_t token)> on_token;
};

// Starts from the session's logits after `previous` (the last token fed). `logits_scratch` holds
// vocab_size floats the sampler may overwrite; text goes through the session's text region.
Result<GenerationStats> decode_tokens(Session& session, const Tokenizer& tokenizer, Sampler& sampler, int32_t previous,
                                      std::span<float> logits_scratch, const DecodeOptions& options,
                                      const TokenSink& sink);

// Prefills `prompt`, then decode_tokens. `logits_scratch` holds vocab_size floats the sampler may overwrite. Text reaches the sink
// through the session's text region: nothing is allocated.
Result<GenerationStats> generate(Session& session, const Tokenizer& tokenizer, Sampler& sampler,
                                 std::span<const int32_t> prompt, uint32_t max_tokens, std::span<float> logits_scratch,
                                 const TokenSink& sink, const ContextPolicy& context = {});

}  // namespace sprig
