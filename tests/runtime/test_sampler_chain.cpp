// The sampler chain against tests/reference/sampler_reference.py (NumPy, float64): each stage on
// fixed logits, then the whole chain (penalties over a history, top-k, top-p, min-p, temperature)
// and its draws. Also: every seed, 0 included, gives a healthy stream of draws.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "generate/sampling_stages.h"
#include "sprig/sampler.h"
#include "test_support.h"

using namespace sprig;
using nlohmann::json;

namespace {

constexpr size_t kVocab = 64;

// Smooth, varied logits with one exact tie (ids 10 and 20) to pin the tie-break.
std::vector<float> fixed_logits() {
  std::vector<float> l(kVocab);
  for (size_t i = 0; i < kVocab; ++i) l[i] = 3.0f * std::sin(float(i) * 1.7f) + 0.5f * std::cos(float(i) * 0.3f);
  l[20] = l[10];
  return l;
}

const std::vector<int32_t> kHistory = {5, 7, 7, 3, 12, 7, 5, 40, 41, 41, 63, 0, 12, 12, 12, 9};

// Runs the reference over `cases`; empty when Python with NumPy is absent (skip notice printed).
json reference(const json& cases) {
  const std::string python = test::python("sampler chain");
  if (python.empty()) return {};
  const std::string dir = test::work_dir("sampler_chain");
  std::ofstream(dir + "/cases.json") << cases.dump();
  REQUIRE(test::run(python + " " + test::tests_dir() + "/reference/sampler_reference.py " + dir + "/cases.json " + dir +
                    "/expected.json") == 0);
  std::ifstream in(dir + "/expected.json");
  return json::parse(in);
}

// The candidates' ids in order and their probabilities normalised over them.
void check_against(sampling::Candidates& c, const json& expected) {
  sampling::softmax(c);
  std::vector<int32_t> ids;
  double total = 0;
  for (size_t i = 0; i < c.size; ++i) {
    ids.push_back(c.data[i].id);
    total += c.data[i].probability;
  }
  CHECK(ids == expected["ids"].get<std::vector<int32_t>>());
  const auto p = expected["probabilities"].get<std::vector<double>>();
  REQUIRE(p.size() == c.size);
  for (size_t i = 0; i < c.size; ++i) CHECK(c.data[i].probability / total == doctest::Approx(p[i]).epsilon(1e-5));
}

struct Stage {
  json c;
  std::function<void(sampling::Candidates&)> apply;
};

}  // namespace

TEST_CASE("each stage of the chain matches the NumPy reference on fixed logits") {
  const std::vector<float> logits = fixed_logits();
  std::vector<Stage> stages = {
      {{{"stage", "top_k"}, {"k", 5}}, [](auto& c) { sampling::top_k(c, 5); }},
      {{{"stage", "top_k"}, {"k", 12}}, [](auto& c) { sampling::top_k(c, 12); }},  // the tie at the edge
      {{{"stage", "top_k"}, {"k", 0}}, [](auto& c) { sampling::top_k(c, 0); }},
      {{{"stage", "top_p"}, {"p", 0.5}}, [](auto& c) { sampling::top_p(c, 0.5f); }},
      {{{"stage", "top_p"}, {"p", 0.9}}, [](auto& c) { sampling::top_p(c, 0.9f); }},
      {{{"stage", "top_p"}, {"p", 0.975}}, [](auto& c) { sampling::top_p(c, 0.975f); }},
      {{{"stage", "min_p"}, {"min_p", 0.05}}, [](auto& c) { sampling::min_p(c, 0.05f); }},
      {{{"stage", "min_p"}, {"min_p", 0.3}}, [](auto& c) { sampling::min_p(c, 0.3f); }},
      {{{"stage", "temperature"}, {"t", 0.5}}, [](auto& c) { sampling::temperature(c, 0.5f); }},
      {{{"stage", "temperature"}, {"t", 1.7}}, [](auto& c) { sampling::temperature(c, 1.7f); }},
  };
  json cases = json::array();
  for (Stage& s : stages) {
    s.c["logits"] = logits;
    cases.push_back(s.c);
  }
  const json expected = reference(cases);
  if (expected.is_null()) return;
  for (size_t i = 0; i < stages.size(); ++i) {
    CAPTURE(stages[i].c.dump());
    std::vector<sampling::Candidate> storage(kVocab);
    std::vector<float> scratch(kVocab);
    sampling::Candidates c = sampling::all_tokens(logits, storage.data(), scratch.data());
    stages[i].apply(c);
    check_against(c, expected[i]);
  }
}

TEST_CASE("the penalties match the NumPy reference, each distinct token penalised once") {
  struct Case {
    float repeat, presence, frequency;
    size_t last_n;
  };
  const std::vector<Case> settings = {{1.3f, 0, 0, 16}, {1.1f, 0.5f, 0.25f, 16}, {1.0f, 0, 0.4f, 6}, {2.0f, 1, 0, 1}};
  json cases = json::array();
  for (const Case& s : settings)
    cases.push_back({{"stage", "penalties"}, {"logits", fixed_logits()}, {"recent", kHistory}, {"repeat", s.repeat},
                     {"presence", s.presence}, {"frequency", s.frequency}, {"last_n", s.last_n}});
  const json expected = reference(cases);
  if (expected.is_null()) return;
  for (size_t i = 0; i < settings.size(); ++i) {
    CAPTURE(i);
    std::vector<float> logits = fixed_logits();
    std::vector<uint32_t> counts(kVocab, 12345u);  // any contents
    const std::span<const int32_t> recent = std::span(kHistory).last(settings[i].last_n);
    sampling::apply_penalties(logits, recent, {settings[i].repeat, settings[i].presence, settings[i].frequency}, counts);
    const auto want = expected[i]["logits"].get<std::vector<double>>();
    for (size_t t = 0; t < kVocab; ++t) CHECK(logits[t] == doctest::Approx(want[t]).epsilon(1e-6));
  }
}

TEST_CASE("the whole chain and its draws match the NumPy reference") {
  SamplerOptions recommended = SamplerOptions::recommended();
  SamplerOptions penalised = recommended;
  penalised.repeat_penalty = 1.3f;
  penalised.presence_penalty = 0.2f;
  penalised.frequency_penalty = 0.1f;
  penalised.repeat_last_n = 12;
  SamplerOptions wide;
  wide.temperature = 1.5f;
  wide.top_k = 30;
  wide.top_p = 0.9f;
  wide.min_p = 0.02f;
  SamplerOptions min_p_only;
  min_p_only.temperature = 0.7f;
  min_p_only.min_p = 0.1f;
  const std::vector<SamplerOptions> settings = {recommended, penalised, wide, min_p_only};
  const std::vector<double> coins = {0.03, 0.31, 0.52, 0.77, 0.97};
  json cases = json::array();
  for (const SamplerOptions& o : settings)
    cases.push_back({{"stage", "chain"},
                     {"logits", fixed_logits()},
                     {"recent", kHistory},
                     {"coins", coins},
                     {"options",
                      {{"temperature", o.temperature},
                       {"top_k", o.top_k},
                       {"top_p", o.top_p},
                       {"min_p", o.min_p},
                       {"repeat", o.repeat_penalty},
                       {"presence", o.presence_penalty},
                       {"frequency", o.frequency_penalty},
                       {"last_n", o.repeat_last_n}}}});
  const json expected = reference(cases);
  if (expected.is_null()) return;
  for (size_t i = 0; i < settings.size(); ++i) {
    CAPTURE(i);
    Sampler sampler(settings[i], kVocab);
    sampler.remember(kHistory);
    std::vector<float> logits = fixed_logits();
    sampling::Candidates c = sampler.shortlist(logits);
    check_against(c, expected[i]);
    const auto draws = expected[i]["draws"].get<std::vector<int32_t>>();
    for (size_t k = 0; k < coins.size(); ++k) CHECK(sampling::draw(c, float(coins[k])) == draws[k]);
  }
  // The draws of sample() follow the shortlist's probabilities.
  Sampler sampler(recommended, kVocab);
  std::map<int32_t, double> frequency;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    std::vector<float> logits = fixed_logits();
    sampler.forget_history();
    frequency[sampler.sample(logits)] += 1.0 / n;
  }
  const auto ids = expected[0]["ids"].get<std::vector<int32_t>>();
  const auto p = expected[0]["probabilities"].get<std::vector<double>>();
  CHECK(frequency.size() == ids.size());
  for (size_t k = 0; k < ids.size(); ++k) CHECK(frequency[ids[k]] == doctest::Approx(p[k]).epsilon(0.05));
}

TEST_CASE("every seed, 0 included, gives a healthy stream; the same seed the same one") {
  // Four tokens of probabilities 0.5, 0.3, 0.15, 0.05.
  auto draws = [](uint64_t seed) {
    SamplerOptions o;
    o.temperature = 1.0f;
    o.seed = seed;
    Sampler sampler(o, 4);
    std::vector<int32_t> ids;
    for (int i = 0; i < 4000; ++i) {
      std::vector<float> l = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
      ids.push_back(sampler.sample(l));
    }
    return ids;
  };
  for (uint64_t seed : {uint64_t(0), uint64_t(1), uint64_t(2), ~uint64_t(0)}) {
    CAPTURE(seed);
    const auto ids = draws(seed);
    std::map<int32_t, double> f;
    for (int32_t id : ids) f[id] += 1.0 / double(ids.size());
    REQUIRE(f.size() == 4);
    CHECK(f[0] == doctest::Approx(0.5).epsilon(0.08));
    CHECK(f[3] == doctest::Approx(0.05).epsilon(0.4));
    CHECK(draws(seed) == ids);
  }
  CHECK(draws(0) != draws(1));
  CHECK(draws(1) != draws(2));
  std::set<uint64_t> mixed;
  for (uint64_t seed = 0; seed < 1000; ++seed) mixed.insert(mix_seed(seed));
  CHECK(mixed.size() == 1000);
  CHECK(mixed.count(0) == 0);
}

TEST_CASE("a suppressed token is never drawn, greedy or sampled") {
  for (float t : {0.0f, 1.0f}) {
    SamplerOptions o;
    o.temperature = t;
    o.suppressed_token = 0;
    Sampler sampler(o, 4);
    for (int i = 0; i < 1000; ++i) {
      std::vector<float> l = {10.0f, 1.0f, 0.5f, 0.0f};
      CHECK(sampler.sample(l) != 0);
    }
  }
}

TEST_CASE("the penalties' window follows the last repeat_last_n tokens, prompt and draws alike") {
  SamplerOptions o;
  o.repeat_penalty = 100.0f;  // a token in the window loses to any other
  o.repeat_last_n = 2;
  Sampler sampler(o, 4);
  std::vector<float> l = {4.0f, 3.0f, 2.0f, 1.0f};
  sampler.remember(std::vector<int32_t>{0});
  auto next = [&] {
    std::vector<float> copy = l;
    return sampler.sample(copy);
  };
  CHECK(next() == 1);  // 0 is penalised
  CHECK(next() == 2);  // 0 and 1 are
  CHECK(next() == 0);  // 0 left the window of two: 1 and 2 are in it
  // Past the window's storage (2 x 4096 tokens) it still sees the newest.
  for (int i = 0; i < 9000; ++i) sampler.remember(std::vector<int32_t>{3});
  sampler.remember(std::vector<int32_t>{0, 1});
  CHECK(next() == 2);
}
