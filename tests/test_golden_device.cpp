// On the target device (or under qemu-user): a model file converted on the workstation runs and
// reproduces llama2.c's greedy output for stories260K token for token. The cross builds have no
// converter, so the file comes from the host's sprig-convert (SPRIG_DEVICE_MODEL names it).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sprig/generate.h"

namespace {

using namespace sprig;

TEST_CASE("stories260K converted on the host: greedy output on this CPU equals llama2.c's") {
  const char* model_path = std::getenv("SPRIG_DEVICE_MODEL");
  const std::string expected_path = std::string(SPRIG_SHARED_DIR) + "/models/stories260K/expected_output.json";
  if (!std::filesystem::exists(expected_path)) {
    std::fprintf(stderr, "NOTICE: skipped the device golden test: %s not found\n", expected_path.c_str());
    return;
  }
  REQUIRE_MESSAGE(model_path != nullptr, "SPRIG_DEVICE_MODEL must name the model converted on the host");
  auto model = Model::open(model_path);
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  const Tokenizer tokenizer(model.value()->vocab());

  std::ifstream in(expected_path);
  const auto expected = nlohmann::json::parse(in);
  bool checked = false;
  for (const auto& golden : expected["cases"]) {
    if (golden["temperature"].get<float>() != 0.0f) continue;  // greedy only: sampling is not bit-exact across FPUs
    const auto golden_ids = golden["generated_ids"].get<std::vector<int32_t>>();
    auto session = Session::create(model.value());
    REQUIRE(session.ok());
    Sampler sampler({0.0f, 0, 1.0f, 0}, tokenizer.vocab_size());
    std::vector<float> scratch(tokenizer.vocab_size());
    std::vector<int32_t> ids;
    const std::vector<int32_t> prompt = {tokenizer.bos_id()};
    auto stats = generate(*session.value(), tokenizer, sampler, prompt, uint32_t(golden_ids.size()), scratch,
                          [&](int32_t id, std::string_view) {
                            if (id >= 0) ids.push_back(id);
                            return true;
                          });
    REQUIRE(stats.ok());
    CHECK(ids == golden_ids);
    checked = true;
  }
  CHECK_MESSAGE(checked, "expected_output.json has no greedy case");
}

}  // namespace
