#include "sprig/sampler.h"

#include <algorithm>
#include <limits>

#include "../generate/sampling_stages.h"

namespace sprig {
namespace {

constexpr size_t kHistoryCapacity = 2 * size_t(kMaxPenaltyWindow);

size_t candidate_bytes(size_t vocab_size) {
  // Rounded up so the history after the candidates is aligned for its ids.
  const size_t bytes = vocab_size * sizeof(sampling::Candidate);
  return (bytes + alignof(int32_t) - 1) / alignof(int32_t) * alignof(int32_t);
}

}  // namespace

SamplerOptions SamplerOptions::recommended() {
  SamplerOptions o;
  o.temperature = 0.8f;
  o.top_k = 40;
  o.top_p = 0.95f;
  o.min_p = 0.05f;
  return o;
}

uint64_t mix_seed(uint64_t seed) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return z != 0 ? z : 0x9E3779B97F4A7C15ull;  // xorshift must never start from 0
}

namespace {

uint64_t initial_state(const SamplerOptions& o) {
  return o.llama2c_seed && o.seed != 0 ? o.seed : mix_seed(o.seed);
}

}  // namespace

Sampler::Sampler(const SamplerOptions& options, size_t vocab_size)
    : options_(options), vocab_size_(vocab_size), state_(initial_state(options)), owned_(workspace_bytes(vocab_size)) {
  candidates_ = owned_.data();
  history_ = reinterpret_cast<int32_t*>(owned_.data() + candidate_bytes(vocab_size));
}

Sampler::Sampler(const SamplerOptions& options, size_t vocab_size, std::span<std::byte> workspace)
    : options_(options), vocab_size_(vocab_size), state_(initial_state(options)), candidates_(workspace.data()) {
  // The caller sized the workspace with workspace_bytes(vocab_size).
  history_ = reinterpret_cast<int32_t*>(workspace.data() + candidate_bytes(vocab_size));
}

size_t Sampler::workspace_bytes(size_t vocab_size) {
  return candidate_bytes(vocab_size) + kHistoryCapacity * sizeof(int32_t);
}

uint32_t Sampler::next_u32() {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return uint32_t((state_ * 0x2545F4914F6CDD1Dull) >> 32);
}

float Sampler::next_f32() { return float(next_u32() >> 8) / 16777216.0f; }

void Sampler::remember(int32_t token) {
  if (history_size_ == kHistoryCapacity) {
    // Keep the newest window at the front: one move per kMaxPenaltyWindow tokens.
    std::copy(history_ + kHistoryCapacity - kMaxPenaltyWindow, history_ + kHistoryCapacity, history_);
    history_size_ = kMaxPenaltyWindow;
  }
  history_[history_size_++] = token;
}

void Sampler::remember(std::span<const int32_t> tokens) {
  // Only the last window can matter.
  if (tokens.size() > kMaxPenaltyWindow) tokens = tokens.last(kMaxPenaltyWindow);
  for (int32_t token : tokens) remember(token);
}

std::span<const int32_t> Sampler::recent() const {
  const size_t n = std::min<size_t>({history_size_, options_.repeat_last_n, kMaxPenaltyWindow});
  return {history_ + history_size_ - n, n};
}

sampling::Candidates Sampler::shortlist(std::span<float> logits) {
  using namespace sampling;
  auto* storage = reinterpret_cast<Candidate*>(candidates_);
  if (options_.suppressed_token >= 0 && size_t(options_.suppressed_token) < logits.size())
    logits[size_t(options_.suppressed_token)] = -std::numeric_limits<float>::infinity();
  // The counts of the penalties use the candidates' memory before the candidates are built.
  apply_penalties(logits, recent(),
                  {options_.repeat_penalty, options_.presence_penalty, options_.frequency_penalty},
                  {reinterpret_cast<uint32_t*>(candidates_), logits.size()});
  if (options_.temperature <= 0.0f) {
    const int32_t id = most_likely(logits);
    storage[0] = {logits[size_t(id)], 1.0f, id};
    return {storage, 1, logits.data(), true, true};
  }
  // The candidates copy the logits, which then serve as the softmax's scratch.
  Candidates c = all_tokens(logits, storage, logits.data());
  top_k(c, options_.top_k);
  top_p(c, options_.top_p);
  min_p(c, options_.min_p);
  temperature(c, options_.temperature);
  return c;
}

int32_t Sampler::sample(std::span<float> logits) {
  sampling::Candidates c = shortlist(logits);
  // Greedy draws no coin; sampling draws one per token (as llama2.c).
  const int32_t token = options_.temperature <= 0.0f ? c.data[0].id : sampling::draw(c, next_f32());
  remember(token);
  return token;
}

}  // namespace sprig
