#include "sampling_stages.h"

#include <algorithm>
#include <cmath>

#include "../kernels/reference.h"

namespace sprig::sampling {
namespace {

bool more_likely_by_logit(const Candidate& a, const Candidate& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
}

bool more_likely_by_probability(const Candidate& a, const Candidate& b) {
  return a.probability > b.probability || (a.probability == b.probability && a.id < b.id);
}

}  // namespace

void apply_penalties(std::span<float> logits, std::span<const int32_t> recent, const Penalties& penalties,
                     std::span<uint32_t> counts) {
  if (!penalties.active()) return;
  auto in_vocabulary = [&](int32_t id) { return id >= 0 && size_t(id) < logits.size(); };
  for (int32_t id : recent)
    if (in_vocabulary(id)) counts[size_t(id)] = 0;
  for (int32_t id : recent)
    if (in_vocabulary(id)) ++counts[size_t(id)];
  // Each distinct token once: its count goes back to zero when it has been penalised.
  for (int32_t id : recent) {
    if (!in_vocabulary(id) || counts[size_t(id)] == 0) continue;
    float& logit = logits[size_t(id)];
    logit = logit > 0.0f ? logit / penalties.repeat : logit * penalties.repeat;
    logit -= float(counts[size_t(id)]) * penalties.frequency + penalties.presence;
    counts[size_t(id)] = 0;
  }
}

Candidates all_tokens(std::span<const float> logits, Candidate* storage, float* scratch) {
  for (size_t i = 0; i < logits.size(); ++i) storage[i] = {logits[i], 0.0f, int32_t(i)};
  return {storage, logits.size(), scratch, false, false};
}

void softmax(Candidates& c) {
  if (c.probabilities_valid || c.size == 0) return;
  for (size_t i = 0; i < c.size; ++i) c.scratch[i] = c.data[i].logit;
  kernels::softmax_f32_scalar(c.scratch, c.size);
  for (size_t i = 0; i < c.size; ++i) c.data[i].probability = c.scratch[i];
  c.probabilities_valid = true;
}

void top_k(Candidates& c, uint32_t k) {
  if (k == 0 || k >= c.size) return;
  std::partial_sort(c.data, c.data + k, c.data + c.size, more_likely_by_logit);
  c.size = k;
  c.sorted = true;
  // Probabilities stay proportional to the softmax of what is left; the draw scales its coin.
}

void top_p(Candidates& c, float p) {
  if (!(p < 1.0f) || c.size <= 1) return;
  // Normalised over what is left: after top-k the probabilities need not add up to 1, so they are
  // computed afresh (over the whole vocabulary this is the softmax llama2.c's top-p sees).
  c.probabilities_valid = false;
  softmax(c);
  // A token below (1 - p) / (n - 1) cannot be in the smallest set whose mass exceeds p (the n - 1
  // others would then all be larger and hold less than p), so it is dropped before sorting, as
  // llama2.c does.
  const float cutoff = (1.0f - p) / float(c.size - 1);
  size_t kept = 0;
  for (size_t i = 0; i < c.size; ++i)
    if (c.data[i].probability >= cutoff) c.data[kept++] = c.data[i];
  if (kept == 0) {  // only when rounding leaves every token below the cutoff: keep the most likely
    std::partial_sort(c.data, c.data + 1, c.data + c.size, more_likely_by_probability);
    c.size = 1;
    c.sorted = true;
    return;
  }
  // Ties keep id order, as llama2.c's qsort (a stable merge sort in glibc) does; the id as
  // tie-break gives that order without stable_sort's temporary buffer.
  std::sort(c.data, c.data + kept, more_likely_by_probability);
  float cumulative = 0.0f;
  size_t last = kept - 1;
  for (size_t i = 0; i < kept; ++i) {
    cumulative += c.data[i].probability;
    if (cumulative > p) {
      last = i;
      break;
    }
  }
  c.size = last + 1;
  c.sorted = true;
}

void min_p(Candidates& c, float min_p) {
  if (!(min_p > 0.0f) || c.size <= 1) return;
  float max_logit = c.data[0].logit;
  for (size_t i = 1; i < c.size; ++i) max_logit = std::max(max_logit, c.data[i].logit);
  // p_i >= min_p * p_max  <=>  logit_i >= max_logit + ln(min_p): no softmax needed.
  const float threshold = max_logit + std::log(std::min(min_p, 1.0f));
  size_t kept = 0;
  for (size_t i = 0; i < c.size; ++i)
    if (c.data[i].logit >= threshold) c.data[kept++] = c.data[i];
  c.size = kept;  // the most likely always passes
}

void temperature(Candidates& c, float t) {
  if (t == 1.0f) return;
  for (size_t i = 0; i < c.size; ++i) c.data[i].logit /= t;
  c.probabilities_valid = false;
}

int32_t draw(Candidates& c, float coin) {
  softmax(c);
  float total = 0.0f;
  for (size_t i = 0; i < c.size; ++i) total += c.data[i].probability;
  const float r = coin * total;
  float running = 0.0f;
  for (size_t i = 0; i < c.size; ++i) {
    running += c.data[i].probability;
    if (r < running) return c.data[i].id;
  }
  return c.data[c.size - 1].id;
}

int32_t most_likely(std::span<const float> logits) {
  return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

}  // namespace sprig::sampling
