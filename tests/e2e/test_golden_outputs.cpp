// stories260K reproduces llama2.c's published outputs token for token, from every input format:
// greedy, and top-p 0.9 at temperature 1.0 with llama2.c's seeded sampler.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "sprig/generate.h"
#include "test_support.h"

namespace {

using namespace sprig;

struct GoldenCase {
  float temperature, top_p;
  uint64_t seed;
  std::vector<int32_t> ids;
  std::string text;
};

std::vector<GoldenCase> load_cases(const std::string& shared) {
  std::ifstream in(shared + "/models/stories260K/expected_output.json");
  const auto json = nlohmann::json::parse(in);
  std::vector<GoldenCase> cases;
  for (const auto& c : json["cases"])
    cases.push_back({c["temperature"].get<float>(), c["topp"].get<float>(),
                     c["seed"].is_null() ? 0 : c["seed"].get<uint64_t>(), c["generated_ids"].get<std::vector<int32_t>>(),
                     c["text"].get<std::string>()});
  return cases;
}

void check_golden(const std::string& model_path, const std::string& shared) {
  auto model = Model::open(model_path);
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  const Tokenizer tokenizer(model.value()->vocab());
  for (const GoldenCase& golden : load_cases(shared)) {
    CAPTURE(golden.temperature);
    // Greedy decoding matches with the default f16 KV cache. The top-p case draws one coin per
    // token against cumulative probabilities, and f16 keys move a probability across the coin at
    // some step, so that case is bit-exact only with llama2.c's f32 cache.
    SessionOptions options;
    options.kv_cache = golden.temperature == 0.0f ? KvCacheType::F16 : KvCacheType::F32;
    const std::string kv_name = kv_cache_type_name(options.kv_cache);
    CAPTURE(kv_name);
    auto session = Session::create(model.value(), options);
    REQUIRE(session.ok());
    SamplerOptions sampling{golden.temperature, 0, golden.top_p, golden.seed};
    sampling.llama2c_seed = true;  // run.c's seed is its xorshift state
    Sampler sampler(sampling, tokenizer.vocab_size());
    std::vector<float> scratch(tokenizer.vocab_size());
    std::vector<int32_t> ids;
    std::string text;
    const std::vector<int32_t> prompt = {tokenizer.bos_id()};
    auto stats = generate(*session.value(), tokenizer, sampler, prompt, uint32_t(golden.ids.size()), scratch,
                          [&](int32_t id, std::string_view piece) {
                            if (id >= 0) ids.push_back(id);
                            text += piece;
                            return true;
                          });
    REQUIRE(stats.ok());
    CHECK(ids == golden.ids);
    // The quoted text is what run.c printed of those tokens.
    CHECK(text.substr(0, golden.text.size()) == golden.text);
  }
}

}  // namespace

TEST_CASE("stories260K from llama2.c .bin + tok512.bin matches llama2.c") {
  const std::string shared = test::shared_dir("golden llama2.c");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("golden_llama2c");
  check_golden(test::convert(shared + "/models/stories260K/stories260K.bin", shared + "/models/stories260K/tok512.bin",
                             dir + "/model.sprig"),
               shared);
}

TEST_CASE("stories260K from GGUF matches llama2.c") {
  const std::string shared = test::shared_dir("golden gguf");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("golden_gguf");
  const std::string path = test::convert(shared + "/models/stories260K/stories260K.gguf", "", dir + "/model.sprig");
  auto model = Model::open(path);
  REQUIRE(model.ok());
  CHECK(model.value()->hparams().tied_output);  // the GGUF's copied head is recognised as tied
  check_golden(path, shared);
}

TEST_CASE("stories260K from a Hugging Face folder (rotate_half layout, sharded) matches llama2.c") {
  const std::string shared = test::shared_dir("golden safetensors");
  const std::string python = test::python("golden safetensors");
  if (shared.empty() || python.empty()) return;
  const std::string dir = test::work_dir("golden_hf");
  for (const char* shards : {"1", "3"}) {
    CAPTURE(shards);
    const std::string folder = dir + "/hf" + shards;
    REQUIRE(test::run(python + " " + test::tests_dir() + "/reference/make_hf_checkpoint.py " + shared +
                      "/models/stories260K/stories260K.bin " + folder + " --dtype f32 --shards " + shards) == 0);
    check_golden(test::convert(folder, shared + "/models/stories260K/tok512.bin", folder + "/model.sprig"), shared);
  }
}
