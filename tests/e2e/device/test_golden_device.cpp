// On the target device (or under qemu-user), with model files converted on the workstation (the
// cross builds have no converter; SPRIG_DEVICE_MODELS names the folder
// tests/e2e/device/make_device_models.sh filled on the host):
//  - the f32 file reproduces llama2.c's greedy output for stories260K token for token;
//  - the q8 and q4 files complete a prompt exactly as the host's sprig run did: the integer paths
//    and (built with -ffp-contract=off) the float ones give the same tokens on both machines.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "sprig/generate.h"

namespace {

using namespace sprig;

// The folder of host-made files, or "" after a visible notice when there is none.
std::string models_dir(const char* test_name) {
  const char* dir = std::getenv("SPRIG_DEVICE_MODELS");
  if (dir && std::filesystem::exists(std::string(dir) + "/stories260K-f32.sprig")) return dir;
  std::fprintf(stderr, "NOTICE: skipped '%s': no host-converted models (SPRIG_DEVICE_MODELS=%s)\n", test_name,
               dir ? dir : "");
  return "";
}

struct Completion {
  std::vector<int32_t> ids;
  std::string text;
};

Completion complete_greedy(const std::string& model_path, const std::string& prompt_text, uint32_t max_tokens) {
  auto model = Model::open(model_path);
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  const Tokenizer tokenizer(model.value()->vocab());
  auto session = Session::create(model.value());
  REQUIRE(session.ok());
  Sampler sampler({0.0f, 0, 1.0f, 0}, tokenizer.vocab_size());
  std::vector<float> scratch(tokenizer.vocab_size());
  std::vector<int32_t> prompt;
  if (prompt_text.empty())
    prompt = {tokenizer.bos_id()};
  else
    tokenizer.encode(prompt_text, model.value()->vocab().add_bos, prompt);
  Completion out;
  auto stats = generate(*session.value(), tokenizer, sampler, prompt, max_tokens, scratch,
                        [&](int32_t id, std::string_view piece) {
                          if (id >= 0) out.ids.push_back(id);
                          out.text += piece;
                          return true;
                        });
  REQUIRE(stats.ok());
  return out;
}

}  // namespace

TEST_CASE("stories260K converted on the host: greedy output on this CPU equals llama2.c's") {
  const std::string dir = models_dir("device golden f32");
  const std::string expected_path = std::string(SPRIG_SHARED_DIR) + "/models/stories260K/expected_output.json";
  if (dir.empty()) return;
  std::ifstream in(expected_path);
  REQUIRE(in.good());
  const auto expected = nlohmann::json::parse(in);
  bool checked = false;
  for (const auto& golden : expected["cases"]) {
    if (golden["temperature"].get<float>() != 0.0f) continue;  // the greedy case
    const auto golden_ids = golden["generated_ids"].get<std::vector<int32_t>>();
    CHECK(complete_greedy(dir + "/stories260K-f32.sprig", "", uint32_t(golden_ids.size())).ids == golden_ids);
    checked = true;
  }
  CHECK_MESSAGE(checked, "expected_output.json has no greedy case");
}

TEST_CASE("q8 and q4 files complete a prompt on this CPU exactly as on the host") {
  const std::string dir = models_dir("device q8/q4 vs host");
  if (dir.empty()) return;
  for (const char* dtype : {"q8", "q4"}) {
    CAPTURE(dtype);
    std::ifstream in(dir + "/host-" + dtype + ".txt", std::ios::binary);
    REQUIRE(in.good());
    const std::string host_text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    REQUIRE(!host_text.empty());
    const Completion device = complete_greedy(dir + "/stories260K-" + dtype + ".sprig", "Once upon a time", 48);
    CHECK(device.text == host_text);
  }
}
