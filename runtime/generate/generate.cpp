#include "sprig/generate.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "platform/clock.h"
#include "sprig/utf8_stream.h"

namespace sprig {

Result<GenerationStats> generate(Session& session, const Tokenizer& tokenizer, Sampler& sampler,
                                 std::span<const int32_t> prompt, uint32_t max_tokens, std::span<float> logits_scratch,
                                 const TokenSink& sink, const ContextPolicy& context) {
  GenerationStats stats;
  if (prompt.empty()) return Error("the prompt has no tokens (and the model adds no BOS)");
  if (logits_scratch.size() < tokenizer.vocab_size()) return Error("logits scratch is smaller than the vocabulary");
  if (session.position() + prompt.size() > session.context_length())
    return Error("the prompt (" + std::to_string(prompt.size()) + " tokens) does not fit the context of " +
                 std::to_string(session.context_length()) + " tokens");

  auto start = std::chrono::steady_clock::now();
  if (Status s = session.prefill(prompt); !s) return s.error();
  sampler.remember(prompt);  // the penalties see the prompt too
  stats.prompt_tokens = uint32_t(prompt.size());
  stats.prompt_seconds = seconds_since(start);

  start = std::chrono::steady_clock::now();
  Utf8Stream stream;
  const std::span<std::byte> text_region = session.region(ArenaRegion::Text);
  char* text = reinterpret_cast<char*>(text_region.data());
  int32_t previous = prompt.back();
  const std::span<float> logits = logits_scratch.first(tokenizer.vocab_size());
  while (true) {
    if (stats.generated_tokens >= max_tokens) {
      stats.stop = StopReason::TokenLimit;
      break;
    }
    std::copy(session.logits().begin(), session.logits().end(), logits.begin());
    const int32_t token = sampler.sample(logits);
    if (tokenizer.ends_generation(token)) {
      stats.stop = StopReason::EndOfSequence;
      break;
    }
    ++stats.generated_tokens;
    const std::string_view piece = tokenizer.decode(previous, token);
    // The plan sized the text region for the longest piece; a tokenizer from another model
    // could exceed it.
    if (Utf8Stream::max_output(piece.size()) > text_region.size())
      return Error("a token's text is longer than the session's text buffer");
    const size_t length = stream.push(piece, text);
    previous = token;
    if (!sink(token, std::string_view(text, length))) {
      stats.stop = StopReason::Cancelled;
      break;
    }
    if (session.position() >= session.context_length()) {
      if (!context.shift || session.position() <= context.keep + 1) {
        stats.stop = StopReason::ContextFull;
        break;
      }
      const uint32_t keep = context.keep;
      const uint32_t drop = std::max<uint32_t>(1, (session.position() - keep) / 2);
      // A model with learned positions cannot move its cache: it recomputes what stays.
      const Status s = session.can_shift() ? session.shift(keep, drop) : session.recompute_without(keep, drop);
      if (!s) return s.error();
      ++stats.shifts;
    }
    if (Status s = session.decode(token); !s) return s.error();
  }
  const size_t length = stream.finish(text);
  if (length > 0) sink(-1, std::string_view(text, length));
  stats.generation_seconds = seconds_since(start);
  return stats;
}

}  // namespace sprig
