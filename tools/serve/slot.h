// One slot: a session with its own arena (sharing the mapped weights with the other slots), the
// tokens its KV cache holds, and the decode loop the server runs in it. A request keeps the
// longest prefix its prompt shares with the cache and prefills only the rest; everything the
// loop touches per token is reserved when the slot is created.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "openai_request.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"

namespace sprig::serve {

// A token and its log-probability under the model's distribution (temperature 1, before any
// penalty), computed as sprig probs computes probabilities.
struct TokenChoice {
  int32_t id;
  double logprob;
};
struct TokenLogprobs {
  int32_t previous;  // the token before, which decides how the chosen one reads
  TokenChoice chosen;
  std::span<const TokenChoice> top;  // most likely first, ties by id
};

enum class Finish { Stop, Length, Cancelled };

struct SlotRun {
  uint32_t prompt_tokens = 0, cached_tokens = 0, completion_tokens = 0;
  Finish finish = Finish::Length;
  double prefill_seconds = 0, decode_seconds = 0;
};

// Receives each token's text once it is whole UTF-8 and cannot begin a stop string (often empty),
// and its log-probabilities when asked for (else nullptr; nullptr with the text held to the end).
// Returns false to stop: the client is gone.
using TextSink = std::function<bool(std::string_view text, const TokenLogprobs* logprobs)>;
// Whether a sampled token ends the reply (the template's stop tokens, or EOS).
using StopToken = std::function<bool(int32_t token)>;

class Slot {
 public:
  static Result<std::unique_ptr<Slot>> create(std::shared_ptr<const Model> model, const Tokenizer& tokenizer,
                                              const SessionOptions& options);

  // How many leading tokens of `prompt` the cache holds already.
  size_t shared_prefix(std::span<const int32_t> prompt) const;
  // Generates the reply to `prompt` (which fits the context: the caller checked).
  Result<SlotRun> run(std::span<const int32_t> prompt, const SamplingRequest& sampling, const StopToken& is_stop,
                      const TextSink& sink);

  const Session& session() const { return *session_; }
  // The slot's memory beyond the session's arena: token lists and per-token scratch.
  size_t bookkeeping_bytes() const;

 private:
  Slot(Session::Ptr session, const Tokenizer& tokenizer);
  void compute_logprobs(uint32_t top, int32_t chosen);

  Session::Ptr session_;
  const Tokenizer& tokenizer_;
  std::vector<int32_t> cached_;     // one token per session position
  std::vector<float> logits_;       // the sampler's copy
  std::vector<int32_t> order_;      // token ids, for the top alternatives
  std::vector<TokenChoice> top_;
  TokenLogprobs logprobs_{};
  static constexpr size_t kPieceBytes = 256;  // one token's text, as the stream gives it
  std::string text_;   // one token's text
  std::string shown_;  // what the stop strings release of it
};

}  // namespace sprig::serve
