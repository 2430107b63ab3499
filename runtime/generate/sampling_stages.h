// The stages of the sampler chain, each a small function over one candidate list, so each can be
// tested on its own against a reference. The chain (Sampler::sample) runs them in llama.cpp's
// order: penalties over the recent tokens, top-k, top-p, min-p, temperature, then the draw.
// Nothing here allocates: the candidates and the scratch floats are the caller's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace sprig::sampling {

struct Candidate {
  float logit;
  float probability;  // valid while Candidates::probabilities_valid
  int32_t id;
};

struct Candidates {
  Candidate* data = nullptr;
  size_t size = 0;
  // `scratch` holds at least as many floats as there are candidates: the softmax runs there
  // (the vector kernels' reference softmax, so the full-vocabulary case repeats llama2.c).
  float* scratch = nullptr;
  bool sorted = false;               // by logit, most likely first (ties: lower id first)
  bool probabilities_valid = false;  // softmax of the current logits over the current candidates
};

struct Penalties {
  float repeat = 1.0f;     // > 1 discourages: a positive logit is divided by it, a negative one multiplied
  float presence = 0.0f;   // subtracted once from every token that occurs
  float frequency = 0.0f;  // subtracted once per occurrence
  bool active() const { return repeat != 1.0f || presence != 0.0f || frequency != 0.0f; }
};

// Penalises, in place, the logits (indexed by id) of the tokens in `recent`. `counts` holds
// logits.size() integers, all zero on entry and on return (only the recent ids are touched).
void apply_penalties(std::span<float> logits, std::span<const int32_t> recent, const Penalties& penalties,
                     std::span<uint32_t> counts);

// Every token, in id order (the logits as they are).
Candidates all_tokens(std::span<const float> logits, Candidate* storage, float* scratch);

// Computes the probabilities (if not yet valid).
void softmax(Candidates& c);
// The k most likely, sorted (k 0 or >= size: unchanged).
void top_k(Candidates& c, uint32_t k);
// The smallest set of most likely tokens whose probability exceeds p, sorted (p >= 1: unchanged).
void top_p(Candidates& c, float p);
// Tokens at least min_p times as likely as the most likely one (min_p <= 0: unchanged).
void min_p(Candidates& c, float min_p);
// Divides the logits by t (t == 1: unchanged, the probabilities stay valid).
void temperature(Candidates& c, float t);
// The candidate where coin (in [0, 1)) falls on the candidates' cumulative probabilities, in
// their current order.
int32_t draw(Candidates& c, float coin);
// The most likely candidate (ties: the lowest id).
int32_t most_likely(std::span<const float> logits);

}  // namespace sprig::sampling
