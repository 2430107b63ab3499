// Chooses the next token from logits: greedy, or temperature with top-k and top-p, seeded.
// With top-k off it reproduces llama2.c's sampler draw for draw (xorshift64*, one coin per token).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sprig {

struct SamplerOptions {
  float temperature = 0.0f;  // 0: greedy
  uint32_t top_k = 0;        // 0: off
  float top_p = 1.0f;        // 1: off
  uint64_t seed = 0;
};

class Sampler {
 public:
  // Owns its working memory (one allocation here, none while sampling).
  Sampler(const SamplerOptions& options, size_t vocab_size);
  // Works in `workspace` (at least workspace_bytes(vocab_size), aligned for a float), which
  // the caller keeps alive: a session arena's sampler region.
  Sampler(const SamplerOptions& options, size_t vocab_size, std::span<std::byte> workspace);
  static size_t workspace_bytes(size_t vocab_size);

  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // Overwrites `logits` as scratch.
  int32_t sample(std::span<float> logits);

 private:
  struct Candidate {
    float probability;
    int32_t id;
  };
  uint32_t next_u32();
  float next_f32();
  void restrict_to_top_k(std::span<float> probabilities);
  int32_t sample_nucleus(std::span<const float> probabilities, float coin);

  SamplerOptions options_;
  uint64_t state_;
  std::vector<Candidate> owned_;  // empty with a caller's workspace
  Candidate* candidates_;         // vocab_size of them
};

}  // namespace sprig
