// The q8 recipe (sprig-convert --quant q8, all defaults) stays as close to the f32 model as
// docs/quantization.md promises, measured the way `sprig perplexity --kl-base` measures it: on
// tinytales.txt in windows of 128 tokens, the second half of each scored. Before the two-term
// activations and the f16 head this recipe had mean KL 0.00092 and 98.85% top-1 agreement.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "test_support.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"

using namespace sprig;

namespace {

constexpr uint32_t kContext = 128;

std::vector<double> log_softmax(std::span<const float> logits) {
  const double max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l) - max);
  std::vector<double> out(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) out[i] = double(logits[i]) - max - std::log(sum);
  return out;
}

size_t argmax(std::span<const float> logits) {
  return size_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

std::shared_ptr<const Model> open(const std::string& path) {
  auto model = Model::open(path);
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  return model.value();
}

Session::Ptr session(const std::shared_ptr<const Model>& model, uint32_t context = kContext) {
  SessionOptions options;
  options.context_length = context;
  auto created = Session::create(model, options);
  REQUIRE(created.ok());
  return std::move(created.value());
}

// 64 greedy tokens after the prompt (BOS first).
std::vector<int32_t> greedy(const std::shared_ptr<const Model>& model, const std::vector<int32_t>& prompt) {
  auto s = session(model, uint32_t(prompt.size()) + 64);
  for (int32_t token : prompt) REQUIRE(s->decode(token).ok());
  std::vector<int32_t> out;
  for (int i = 0; i < 64; ++i) {
    out.push_back(int32_t(argmax(s->logits())));
    REQUIRE(s->decode(out.back()).ok());
  }
  return out;
}

}  // namespace

TEST_CASE("the q8 recipe agrees with f32 on tinytales") {
  const std::string shared = test::shared_dir("q8 quality");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("q8_quality");
  const std::string bin = shared + "/models/stories260K/stories260K.bin";
  const std::string tok = shared + "/models/stories260K/tok512.bin";
  const auto f32 = open(test::convert(bin, tok, dir + "/f32.sprig", DType::F32));
  const auto q8 = open(test::convert(bin, tok, dir + "/q8.sprig", DType::Q8));

  std::ifstream in(shared + "/eval/tinytales.txt", std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  const Tokenizer tokenizer(f32->vocab());
  std::vector<int32_t> tokens;
  tokenizer.encode(text.str(), false, tokens);
  REQUIRE(tokens.size() >= kContext);

  double kl_sum = 0;
  size_t scored = 0, agreements = 0;
  auto base = session(f32), quantized = session(q8);
  for (size_t w = 0; w + 1 <= tokens.size() / kContext; ++w) {
    base->reset();
    quantized->reset();
    const int32_t* window = tokens.data() + w * kContext;
    for (uint32_t i = 0; i + 1 < kContext; ++i) {
      const int32_t token = i == 0 ? tokenizer.bos_id() : window[i];
      REQUIRE(base->decode(token).ok());
      REQUIRE(quantized->decode(token).ok());
      if (i < kContext / 2) continue;
      const auto p = log_softmax(base->logits()), q = log_softmax(quantized->logits());
      double kl = 0;
      for (size_t v = 0; v < p.size(); ++v) kl += std::exp(p[v]) * (p[v] - q[v]);
      kl_sum += std::max(0.0, kl);
      agreements += argmax(base->logits()) == argmax(quantized->logits());
      ++scored;
    }
  }
  const double mean_kl = kl_sum / double(scored), agreement = double(agreements) / double(scored);
  MESSAGE("q8 vs f32 over " << scored << " tokens: mean KL " << mean_kl << ", top-1 agreement " << agreement);
  CHECK(scored == 693);
  // Measured 0.00025 and 99.57% (the old recipe: 0.00092 and 98.85%, 8 disagreements). Three of
  // the scored tokens are near-ties in f32 (top two probabilities within 0.02), so the agreement
  // bound leaves room for one more of them to flip under a SIMD kernel's different rounding.
  CHECK(mean_kl < 0.0005);
  CHECK(agreement >= 0.994);

  std::string first_line = text.str().substr(0, text.str().find('\n'));
  std::vector<int32_t> prompt;
  tokenizer.encode(first_line, true, prompt);
  CHECK(greedy(q8, prompt) == greedy(f32, prompt));
}
