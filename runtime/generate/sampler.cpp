#include "sprig/sampler.h"

#include <algorithm>

#include "../kernels/reference.h"

namespace sprig {

Sampler::Sampler(const SamplerOptions& options, size_t vocab_size)
    : options_(options), state_(options.seed), owned_(vocab_size), candidates_(owned_.data()) {}

Sampler::Sampler(const SamplerOptions& options, size_t vocab_size, std::span<std::byte> workspace)
    : options_(options), state_(options.seed), candidates_(reinterpret_cast<Candidate*>(workspace.data())) {
  (void)vocab_size;  // the caller sized the workspace with workspace_bytes(vocab_size)
}

size_t Sampler::workspace_bytes(size_t vocab_size) { return vocab_size * sizeof(Candidate); }

uint32_t Sampler::next_u32() {
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return uint32_t((state_ * 0x2545F4914F6CDD1Dull) >> 32);
}

float Sampler::next_f32() { return float(next_u32() >> 8) / 16777216.0f; }

int32_t Sampler::sample(std::span<float> logits) {
  if (options_.temperature <= 0.0f) {
    return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
  }
  for (float& logit : logits) logit /= options_.temperature;
  kernels::softmax_f32_scalar(logits.data(), logits.size());
  const float coin = next_f32();
  if (options_.top_k > 0 && options_.top_k < logits.size()) restrict_to_top_k(logits);
  if (options_.top_p > 0.0f && options_.top_p < 1.0f) return sample_nucleus(logits, coin);
  float cumulative = 0.0f;
  for (size_t i = 0; i < logits.size(); ++i) {
    cumulative += logits[i];
    if (coin < cumulative) return int32_t(i);
  }
  return int32_t(logits.size() - 1);
}

// Zeroes all but the k most likely tokens and renormalises those.
void Sampler::restrict_to_top_k(std::span<float> probabilities) {
  const size_t k = options_.top_k;
  for (size_t i = 0; i < probabilities.size(); ++i) candidates_[i] = {probabilities[i], int32_t(i)};
  auto more_likely = [](const Candidate& a, const Candidate& b) {
    return a.probability > b.probability || (a.probability == b.probability && a.id < b.id);
  };
  std::partial_sort(candidates_, candidates_ + k, candidates_ + probabilities.size(), more_likely);
  float total = 0.0f;
  for (size_t i = 0; i < k; ++i) total += candidates_[i].probability;
  std::fill(probabilities.begin(), probabilities.end(), 0.0f);
  for (size_t i = 0; i < k; ++i) {
    candidates_[i].probability /= total;
    probabilities[size_t(candidates_[i].id)] = candidates_[i].probability;
  }
}

// The smallest set of most likely tokens whose mass exceeds top_p. Tokens below
// (1 - top_p) / (n - 1) cannot be in that set, so they are dropped before sorting.
int32_t Sampler::sample_nucleus(std::span<const float> probabilities, float coin) {
  const float cutoff = (1.0f - options_.top_p) / float(probabilities.size() - 1);
  size_t kept = 0;
  for (size_t i = 0; i < probabilities.size(); ++i)
    if (probabilities[i] >= cutoff) candidates_[kept++] = {probabilities[i], int32_t(i)};
  if (kept == 0) return int32_t(std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin());
  // Ties keep id order, as llama2.c's qsort (a stable merge sort in glibc) does; std::sort with
  // the id as tie-break gives that order without stable_sort's temporary buffer.
  std::sort(candidates_, candidates_ + kept, [](const Candidate& a, const Candidate& b) {
    return a.probability > b.probability || (a.probability == b.probability && a.id < b.id);
  });
  float cumulative = 0.0f;
  size_t last = kept - 1;
  for (size_t i = 0; i < kept; ++i) {
    cumulative += candidates_[i].probability;
    if (cumulative > options_.top_p) {
      last = i;
      break;
    }
  }
  const float r = coin * cumulative;
  float running = 0.0f;
  for (size_t i = 0; i <= last; ++i) {
    running += candidates_[i].probability;
    if (r < running) return candidates_[i].id;
  }
  return candidates_[last].id;
}

}  // namespace sprig
