// Sampling: greedy is argmax; temperature, top-k and top-p draw from the distribution they
// promise (checked by frequencies over many seeded draws); the same seed repeats the draws.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <vector>

#include "sprig/sampler.h"

using namespace sprig;

namespace {

// Four tokens with probabilities 0.5, 0.3, 0.15, 0.05 at temperature 1.
std::vector<float> logits() { return {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)}; }

std::map<int32_t, double> frequencies(const SamplerOptions& options, int draws) {
  Sampler sampler(options, 4);
  std::map<int32_t, double> counts;
  for (int i = 0; i < draws; ++i) {
    auto l = logits();
    counts[sampler.sample(l)] += 1.0 / draws;
  }
  return counts;
}

}  // namespace

TEST_CASE("greedy takes the largest logit") {
  Sampler sampler({}, 5);
  std::vector<float> l = {0.1f, 2.0f, -1.0f, 1.9f, 0.0f};
  CHECK(sampler.sample(l) == 1);
}

TEST_CASE("temperature 1 draws tokens in proportion to their probabilities") {
  const auto f = frequencies({1.0f, 0, 1.0f, 42}, 200000);
  CHECK(f.at(0) == doctest::Approx(0.5).epsilon(0.02));
  CHECK(f.at(1) == doctest::Approx(0.3).epsilon(0.02));
  CHECK(f.at(2) == doctest::Approx(0.15).epsilon(0.03));
  CHECK(f.at(3) == doctest::Approx(0.05).epsilon(0.05));
}

TEST_CASE("top-p keeps the smallest set whose mass exceeds p, renormalised") {
  // p = 0.7: 0.5 + 0.3 exceeds it, so tokens 0 and 1 remain, as 0.625 and 0.375.
  const auto f = frequencies({1.0f, 0, 0.7f, 7}, 200000);
  CHECK(f.size() == 2);
  CHECK(f.at(0) == doctest::Approx(0.625).epsilon(0.02));
  CHECK(f.at(1) == doctest::Approx(0.375).epsilon(0.02));
}

TEST_CASE("top-k keeps the k most likely tokens, renormalised") {
  const auto f = frequencies({1.0f, 3, 1.0f, 9}, 200000);
  CHECK(f.size() == 3);
  CHECK(f.at(0) == doctest::Approx(0.5 / 0.95).epsilon(0.02));
  CHECK(f.at(2) == doctest::Approx(0.15 / 0.95).epsilon(0.03));
  CHECK(frequencies({1.0f, 1, 1.0f, 9}, 1000).size() == 1);  // top-k 1 is greedy
}

TEST_CASE("a low temperature sharpens towards the most likely token") {
  const auto f = frequencies({0.25f, 0, 1.0f, 3}, 100000);
  // p^4 normalised: 0.0625 / (0.0625 + 0.0081 + 0.00050625 + 0.00000625)
  CHECK(f.at(0) == doctest::Approx(0.0625 / 0.07110625).epsilon(0.01));
}

TEST_CASE("the same seed repeats the same draws; another seed does not") {
  auto draws = [](uint64_t seed) {
    Sampler sampler({1.0f, 0, 0.9f, seed}, 4);
    std::vector<int32_t> ids;
    for (int i = 0; i < 64; ++i) {
      auto l = logits();
      ids.push_back(sampler.sample(l));
    }
    return ids;
  };
  CHECK(draws(5) == draws(5));
  CHECK(draws(5) != draws(6));
}
