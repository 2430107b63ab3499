// Chooses the next token from logits, through one ordered chain as llama.cpp's: penalties over
// the last tokens (repeat, presence, frequency), top-k, top-p, min-p, temperature, then a seeded
// draw; temperature 0 is greedy (after the penalties). The stages are runtime/generate/
// sampling_stages.h. A default SamplerOptions is greedy with every stage off (the C++ and C APIs'
// default); SamplerOptions::recommended() is what the command line starts from.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace sprig {
namespace sampling {
struct Candidates;
}

struct SamplerOptions {
  float temperature = 0.0f;  // 0: greedy
  uint32_t top_k = 0;        // 0: off
  float top_p = 1.0f;        // 1: off
  uint64_t seed = 0;         // any value, 0 included (it is mixed before it seeds the generator)
  float min_p = 0.0f;        // 0: off
  float repeat_penalty = 1.0f;  // 1: off
  uint32_t repeat_last_n = 64;  // how many of the last tokens the penalties look at (0: none)
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  // The seed itself becomes the xorshift state, as in llama2.c's run.c, to repeat its draws token
  // for token (a zero seed is mixed all the same: a zero state would never change).
  bool llama2c_seed = false;
  // A token never drawn (-1: none): the end-of-sequence token for --ignore-eos.
  int32_t suppressed_token = -1;

  // llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalties.
  static SamplerOptions recommended();
};

// The longest repeat_last_n (the window lives in the sampler's fixed workspace).
inline constexpr uint32_t kMaxPenaltyWindow = 4096;

// splitmix64's output function: spreads any seed (0 and other small ones included) over the
// whole state space.
uint64_t mix_seed(uint64_t seed);

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

  // Overwrites `logits` as scratch. The token chosen joins the penalties' window.
  int32_t sample(std::span<float> logits);
  // The chain without the draw: what the draw would choose from, in the order it walks (greedy:
  // the one most likely token). Overwrites `logits` (the candidates' scratch while they live).
  sampling::Candidates shortlist(std::span<float> logits);
  // Tokens the model has seen that it did not sample (a prompt): they join the window too.
  void remember(std::span<const int32_t> tokens);
  void forget_history() { history_size_ = 0; }

  const SamplerOptions& options() const { return options_; }

 private:
  uint32_t next_u32();
  float next_f32();
  void remember(int32_t token);
  std::span<const int32_t> recent() const;

  SamplerOptions options_;
  size_t vocab_size_;
  uint64_t state_;
  std::vector<std::byte> owned_;  // empty with a caller's workspace
  std::byte* candidates_;         // vocab_size sampling::Candidate
  int32_t* history_;              // 2 * kMaxPenaltyWindow ids, the newest last
  size_t history_size_ = 0;
};

}  // namespace sprig
