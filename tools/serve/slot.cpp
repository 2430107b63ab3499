#include "slot.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <random>

#include "sprig/generate.h"
#include "sprig/sampler.h"
#include "sprig/stop_strings.h"

namespace sprig::serve {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<std::unique_ptr<Slot>> Slot::create(std::shared_ptr<const Model> model, const Tokenizer& tokenizer,
                                           const SessionOptions& options) {
  auto session = Session::create(std::move(model), options);
  if (!session) return session.error();
  return std::unique_ptr<Slot>(new Slot(std::move(session.value()), tokenizer));
}

Slot::Slot(Session::Ptr session, const Tokenizer& tokenizer) : session_(std::move(session)), tokenizer_(tokenizer) {
  const size_t vocab = tokenizer.vocab_size();
  cached_.reserve(session_->context_length());
  logits_.resize(vocab);
  order_.resize(vocab);
  top_.reserve(kMaxTopLogprobs);
  text_.reserve(kPieceBytes);
}

size_t Slot::bookkeeping_bytes() const {
  return cached_.capacity() * sizeof(int32_t) + logits_.capacity() * sizeof(float) +
         order_.capacity() * sizeof(int32_t) + top_.capacity() * sizeof(TokenChoice) + text_.capacity() +
         shown_.capacity();
}

size_t Slot::shared_prefix(std::span<const int32_t> prompt) const {
  const size_t n = std::min(prompt.size(), cached_.size());
  return size_t(std::mismatch(prompt.begin(), prompt.begin() + ptrdiff_t(n), cached_.begin()).first - prompt.begin());
}

// Log-softmax in double precision over the raw logits, like sprig probs' softmax.
void Slot::compute_logprobs(uint32_t top, int32_t chosen) {
  const std::span<const float> logits = session_->logits();
  const float peak = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l) - peak);
  const double log_sum = std::log(sum);
  auto logprob = [&](int32_t id) { return double(logits[size_t(id)]) - peak - log_sum; };
  logprobs_.chosen = {chosen, logprob(chosen)};
  top_.clear();
  if (top > 0) {
    for (size_t i = 0; i < order_.size(); ++i) order_[i] = int32_t(i);
    const size_t k = std::min<size_t>(top, order_.size());
    std::partial_sort(order_.begin(), order_.begin() + ptrdiff_t(k), order_.end(), [&](int32_t a, int32_t b) {
      return logits[size_t(a)] > logits[size_t(b)] || (logits[size_t(a)] == logits[size_t(b)] && a < b);
    });
    for (size_t i = 0; i < k; ++i) top_.push_back({order_[i], logprob(order_[i])});
  }
  logprobs_.top = top_;
}

Result<SlotRun> Slot::run(std::span<const int32_t> prompt, const SamplingRequest& s, const StopToken& is_stop,
                          const TextSink& sink) {
  SlotRun run;
  Session& session = *session_;
  if (prompt.empty()) return Error("the prompt has no tokens");
  if (prompt.size() >= session.context_length())
    return Error("the prompt (" + std::to_string(prompt.size()) + " tokens) does not fit the context of " +
                 std::to_string(session.context_length()) + " tokens");
  run.prompt_tokens = uint32_t(prompt.size());
  // Reuse the longest cached prefix; the last prompt token is always fed again for its logits.
  const size_t reused = std::min(shared_prefix(prompt), prompt.size() - 1);
  run.cached_tokens = uint32_t(reused);
  session.truncate(uint32_t(reused));
  cached_.resize(reused);
  auto start = std::chrono::steady_clock::now();
  const std::span<const int32_t> fresh = prompt.subspan(reused);
  if (Status st = session.prefill(fresh); !st) {
    session.reset();
    cached_.clear();
    return Error(st.message());
  }
  cached_.insert(cached_.end(), fresh.begin(), fresh.end());
  run.prefill_seconds = seconds_since(start);

  start = std::chrono::steady_clock::now();
  SamplerOptions options;
  options.temperature = s.temperature;
  options.top_k = s.top_k;
  options.top_p = s.top_p;
  options.min_p = s.min_p;
  // OpenAI's penalties count the tokens generated so far: the chain's window holds exactly those
  // (the prompt is not remembered), up to its longest window.
  options.presence_penalty = s.presence_penalty;
  options.frequency_penalty = s.frequency_penalty;
  options.repeat_last_n = kMaxPenaltyWindow;
  options.seed = s.seed ? *s.seed : std::random_device()() | (uint64_t(std::random_device()()) << 32) | 1;
  Sampler sampler(options, tokenizer_.vocab_size(), session.region(ArenaRegion::SamplerCandidates));
  // The matcher and what it releases are sized here, so the token path allocates nothing.
  StopStrings stops(s.stop, kPieceBytes);
  size_t longest_stop = 0;
  for (const std::string& stop : s.stop) longest_stop = std::max(longest_stop, stop.size());
  shown_.reserve(longest_stop + kPieceBytes);
  // The runtime's decode loop in a chat turn's order (feed, then stream), so a greedy reply is
  // byte-identical to `sprig chat`; this adds logit_bias, logprobs, stop strings and the client.
  struct Turn {
    Slot& slot;
    const SamplingRequest& s;
    const TextSink& sink;
    StopStrings& stops;
    int32_t previous;
    bool stopped_by_client = false;
  } turn{*this, s, sink, stops, prompt.back()};
  DecodeOptions loop;
  loop.max_tokens = s.max_tokens ? *s.max_tokens : session.context_length();
  loop.is_stop = [&is_stop](int32_t token) { return is_stop(token); };
  loop.feed_before_sink = true;
  loop.adjust_logits = [t = &turn](std::span<float> logits) {
    for (const auto& [id, bias] : t->s.logit_bias)
      logits[size_t(id)] = bias <= -100.0f ? -std::numeric_limits<float>::infinity() : logits[size_t(id)] + bias;
  };
  loop.on_token = [t = &turn](int32_t token) {
    if (!t->s.logprobs) return;
    t->slot.compute_logprobs(t->s.top_logprobs, token);
    t->slot.logprobs_.previous = t->previous;
  };
  const TokenSink stream_out = [t = &turn](int32_t token, std::string_view text) {
    if (token < 0) {  // the stream's unfinished tail, a U+FFFD: sent after the loop
      t->slot.text_.assign(text);
      return false;
    }
    t->previous = token;
    t->slot.cached_.push_back(token);
    t->slot.shown_.clear();
    t->stops.push(text, t->slot.shown_);
    if (!t->sink(t->slot.shown_, t->s.logprobs ? &t->slot.logprobs_ : nullptr)) {
      t->stopped_by_client = true;
      return false;
    }
    return !t->stops.stopped();
  };
  text_.clear();
  auto decoded = decode_tokens(session, tokenizer_, sampler, prompt.back(), logits_, loop, stream_out);
  if (!decoded) return Error(decoded.error().message());
  run.completion_tokens = decoded->generated_tokens;
  run.finish = decoded->stop == StopReason::EndOfSequence || stops.stopped() ? Finish::Stop : Finish::Length;
  if (turn.stopped_by_client) {
    run.finish = Finish::Cancelled;
  } else {
    shown_.clear();
    if (!stops.push(text_, shown_)) stops.finish(shown_);
    if (!shown_.empty() && !sink(shown_, nullptr)) run.finish = Finish::Cancelled;
  }
  run.decode_seconds = seconds_since(start);
  return run;
}

}  // namespace sprig::serve
