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

  DecodeOptions options;
  options.max_tokens = max_tokens;
  options.context = context;
  auto decoded = decode_tokens(session, tokenizer, sampler, prompt.back(), logits_scratch, options, sink);
  if (!decoded) return decoded.error();
  decoded->prompt_tokens = stats.prompt_tokens;
  decoded->prompt_seconds = stats.prompt_seconds;
  return decoded;
}

Result<GenerationStats> decode_tokens(Session& session, const Tokenizer& tokenizer, Sampler& sampler, int32_t previous,
                                      std::span<float> logits_scratch, const DecodeOptions& options,
                                      const TokenSink& sink) {
  GenerationStats stats;
  if (logits_scratch.size() < tokenizer.vocab_size()) return Error("logits scratch is smaller than the vocabulary");
  const auto start = std::chrono::steady_clock::now();
  Utf8Stream stream;
  const std::span<std::byte> text_region = session.region(ArenaRegion::Text);
  char* text = reinterpret_cast<char*>(text_region.data());
  const std::span<float> logits = logits_scratch.first(tokenizer.vocab_size());
  auto is_stop = [&](int32_t token) { return options.is_stop ? options.is_stop(token) : tokenizer.ends_generation(token); };
  const ContextPolicy& context = options.context;
  while (true) {
    if (stats.generated_tokens >= options.max_tokens) {
      stats.stop = StopReason::TokenLimit;
      break;
    }
    std::copy(session.logits().begin(), session.logits().end(), logits.begin());
    if (options.adjust_logits) options.adjust_logits(logits);
    const int32_t token = sampler.sample(logits);
    if (is_stop(token)) {
      stats.stop = StopReason::EndOfSequence;
      break;
    }
    if (options.feed_before_sink && session.position() >= session.context_length()) {
      stats.stop = StopReason::ContextFull;
      break;
    }
    ++stats.generated_tokens;
    if (options.on_token) options.on_token(token);
    const std::string_view piece = tokenizer.decode(previous, token);
    // The plan sized the text region for the longest piece; a tokenizer from another model
    // could exceed it.
    if (Utf8Stream::max_output(piece.size()) > text_region.size())
      return Error("a token's text is longer than the session's text buffer");
    const size_t length = stream.push(piece, text);
    previous = token;
    if (options.feed_before_sink)
      if (Status s = session.decode(token); !s) return s.error();
    if (!sink(token, std::string_view(text, length))) {
      stats.stop = StopReason::Cancelled;
      break;
    }
    if (options.feed_before_sink) continue;
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
