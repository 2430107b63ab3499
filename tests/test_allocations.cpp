// The token path allocates nothing: tokenizing the prompt (into reserved buffers), feeding
// tokens, sampling with top-p and detokenizing run 512 steps with zero heap calls, alone and
// with two sessions on two threads sharing one model.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "allocation_counter.h"
#include "sprig/generate.h"
#include "test_support.h"

using namespace sprig;

namespace {

struct Generation {
  size_t allocations = 0;
  size_t frees = 0;
  uint32_t generated = 0;
};

// Everything is created before counting starts; the counted window is the token path only.
Generation generate_counted(std::shared_ptr<const Model> model, uint64_t seed) {
  auto session = Session::create(model);
  REQUIRE(session.ok());
  const Tokenizer tokenizer(model->vocab());
  const std::string prompt_text = "Once upon a time, in a quiet village, 작은 고양이가 살았어요.";
  Tokenizer::Workspace workspace;
  workspace.reserve(prompt_text.size());
  std::vector<int32_t> prompt;
  prompt.reserve(prompt_text.size() + 1);
  Sampler sampler({1.0f, 0, 0.9f, seed}, tokenizer.vocab_size());
  std::vector<float> scratch(tokenizer.vocab_size());
  std::string text;
  text.reserve(1 << 16);
  Generation result;
  {
    test::AllocationCounter counter;
    tokenizer.encode(prompt_text, true, prompt, workspace);
    auto stats = generate(*session.value(), tokenizer, sampler, prompt, 512 - uint32_t(prompt.size()), scratch,
                          [&text](int32_t, std::string_view piece) {
                            text.append(piece);
                            return true;
                          });
    result.allocations = counter.allocations();
    result.frees = counter.frees();
    result.generated = stats.ok() ? stats->generated_tokens : 0;
  }
  return result;
}

std::shared_ptr<const Model> stories(const std::string& shared) {
  const std::string dir = test::work_dir("allocations");
  auto model = Model::open(test::convert(shared + "/models/stories260K/stories260K.gguf", "", dir + "/m.sprig"));
  REQUIRE(model.ok());
  return model.value();
}

}  // namespace

TEST_CASE("the counter sees allocations") {
  test::AllocationCounter counter;
  auto* p = new std::vector<int>(100);
  delete p;
  CHECK(counter.allocations() == 2);
  CHECK(counter.frees() == 2);
}

TEST_CASE("a 512-token top-p generation makes no heap calls") {
  const std::string shared = test::shared_dir("allocations single");
  if (shared.empty()) return;
  const Generation g = generate_counted(stories(shared), 42);
  CHECK(g.generated > 100);  // stories260K rarely ends a story this early at top-p 0.9
  CHECK(g.allocations == 0);
  CHECK(g.frees == 0);
}

TEST_CASE("two sessions on two threads sharing one model make no heap calls") {
  const std::string shared = test::shared_dir("allocations threads");
  if (shared.empty()) return;
  auto model = stories(shared);
  Generation a, b;
  std::thread first([&] { a = generate_counted(model, 1); });
  std::thread second([&] { b = generate_counted(model, 2); });
  first.join();
  second.join();
  CHECK(a.allocations == 0);
  CHECK(b.allocations == 0);
  CHECK(a.generated > 0);
  CHECK(b.generated > 0);
}

TEST_CASE("byte-level BPE encoding (NFC, split patterns, ranked merges) makes no heap calls once reserved") {
  const std::string shared = test::shared_dir("allocations byte-level");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("allocations_byte_level");
  const std::string text = "Le modèle prédit «très bien» — 작은 고양이가 살았어요. e\xcc\x81 1234567 it's   fine\n\n";
  for (const char* source : {"/tokenizers/qwen2.5", "/tokenizers/falcon-7b/tokenizer.json",
                             "/tokenizers/phi-3-mini-4k-instruct/tokenizer.json"}) {
    CAPTURE(source);
    auto model = test::tokenizer_model(shared + source, dir + "/t.sprig");
    const Tokenizer tokenizer(model->vocab());
    Tokenizer::Workspace workspace;
    workspace.reserve(text.size());
    std::vector<int32_t> ids;
    ids.reserve(text.size() + 1);
    size_t allocations = 0;
    {
      test::AllocationCounter counter;
      tokenizer.encode(text, EncodeOptions{true, true}, ids, workspace);
      allocations = counter.allocations();
    }
    CHECK(ids.size() > 20);
    CHECK(allocations == 0);
  }
}
