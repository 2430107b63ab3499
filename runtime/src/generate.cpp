#include "sprig/generate.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "sprig/utf8_stream.h"

namespace sprig {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<GenerationStats> generate(Session& session, const Tokenizer& tokenizer, Sampler& sampler,
                                 std::span<const int32_t> prompt, uint32_t max_tokens, std::span<float> logits_scratch,
                                 const TokenSink& sink) {
  GenerationStats stats;
  if (prompt.empty()) return Error("the prompt has no tokens (and the model adds no BOS)");
  if (logits_scratch.size() < tokenizer.vocab_size()) return Error("logits scratch is smaller than the vocabulary");
  if (session.position() + prompt.size() > session.context_length())
    return Error("the prompt (" + std::to_string(prompt.size()) + " tokens) does not fit the context of " +
                 std::to_string(session.context_length()) + " tokens");

  auto start = std::chrono::steady_clock::now();
  if (Status s = session.prefill(prompt); !s) return Error(s.message());
  stats.prompt_tokens = uint32_t(prompt.size());
  stats.prompt_seconds = seconds_since(start);

  start = std::chrono::steady_clock::now();
  Utf8Stream stream;
  std::string text;
  int32_t previous = prompt.back();
  const std::span<float> logits = logits_scratch.first(tokenizer.vocab_size());
  while (true) {
    if (stats.generated_tokens >= max_tokens) {
      stats.stop = StopReason::TokenLimit;
      break;
    }
    std::copy(session.logits().begin(), session.logits().end(), logits.begin());
    const int32_t token = sampler.sample(logits);
    if (token == tokenizer.eos_id()) {
      stats.stop = StopReason::EndOfSequence;
      break;
    }
    ++stats.generated_tokens;
    text.clear();
    stream.push(tokenizer.decode(previous, token), text);
    previous = token;
    if (!sink(token, text)) {
      stats.stop = StopReason::Cancelled;
      break;
    }
    if (session.position() >= session.context_length()) {
      stats.stop = StopReason::ContextFull;
      break;
    }
    if (Status s = session.decode(token); !s) return Error(s.message());
  }
  text.clear();
  stream.finish(text);
  if (!text.empty()) sink(-1, text);
  stats.generation_seconds = seconds_since(start);
  return stats;
}

}  // namespace sprig
