// The token path allocates nothing. Through the C API, everything from creating a session in
// caller memory to destroying it - tokenizing the prompt, batched prefill, 512 steps of top-p
// sampling, streaming detokenization, context shifts, generate with a callback - makes zero
// heap calls, alone and with two sessions on two threads sharing one model. The C++ path
// (Session, Tokenizer with a reserved workspace, Sampler, generate) is counted the same way.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "allocation_counter.h"
#include "sprig/chat.h"
#include "sprig/generate.h"
#include "sprig/sprig.h"
#include "test_support.h"

using namespace sprig;

namespace {

struct Generation {
  size_t allocations = 0;
  size_t frees = 0;
  uint32_t generated = 0;
};

// Everything is created before counting starts; the counted window is the token path only.
Generation generate_counted(std::shared_ptr<const Model> model, uint64_t seed,
                            MatmulBackend backend = MatmulBackend::Sprig) {
  SessionOptions options;
  options.backend = backend;
  auto session = Session::create(model, options);
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

std::string stories_path(const std::string& shared) {
  const std::string dir = test::work_dir("allocations");
  return test::convert(shared + "/models/stories260K/stories260K.gguf", "", dir + "/m.sprig");
}

std::shared_ptr<const Model> stories(const std::string& shared) {
  auto model = Model::open(stories_path(shared));
  REQUIRE(model.ok());
  return model.value();
}

struct CGeneration {
  size_t allocations = 0, frees = 0;
  uint32_t prompt_tokens = 0, generated = 0, shifts = 0, generate_tokens = 0;
  size_t text_bytes = 0;
  bool ok = true;
};

int count_text(void* user, int32_t, const char*, size_t length) {
  *static_cast<size_t*>(user) += length;
  return 1;
}

// One C session from creation in caller memory to destruction, all inside the counted window:
// the prompt tokenized there, fed in batches, then 512 tokens sampled with top-p, detokenized
// and fed back, shifting the context (keeping the prompt's first token) whenever it fills.
CGeneration generate_counted_c(const sprig_model* model, uint64_t seed,
                               sprig_matmul_backend backend = SPRIG_BACKEND_SPRIG) {
  const std::string prompt_text = "Once upon a time, in a quiet village, 작은 고양이가 살았어요.";
  sprig_session_options options;
  sprig_session_options_init(&options);
  options.context_length = 256;  // 512 tokens overflow it: shifts happen inside the window
  options.batch = 16;
  options.max_text_bytes = 256;
  options.on_context_full = SPRIG_CONTEXT_SHIFT;
  options.keep_tokens = 1;
  options.backend = backend;
  size_t bytes = 0;
  REQUIRE(sprig_session_bytes(model, &options, &bytes) == SPRIG_OK);
  std::vector<std::byte> memory(bytes);
  CGeneration result;
  {
    test::AllocationCounter counter;
    sprig_session* session = nullptr;
    result.ok &= sprig_session_create(model, &options, memory.data(), memory.size(), &session) == SPRIG_OK;
    const sprig_sampler_options sampling = {1.0f, 0, 0.9f, seed, 0.0f, 0.0f, 0, 0.0f, 0.0f};
    result.ok &= sprig_set_sampler(session, &sampling) == SPRIG_OK;
    const int32_t* prompt = nullptr;
    size_t count = 0;
    result.ok &= sprig_tokenize(session, prompt_text.data(), prompt_text.size(), 1, 0, &prompt, &count) == SPRIG_OK;
    result.prompt_tokens = uint32_t(count);
    result.ok &= sprig_prefill(session, prompt, count) == SPRIG_OK;
    for (int i = 0; i < 512 && result.ok; ++i) {
      int32_t token = -1;
      const char* text = nullptr;
      size_t length = 0;
      result.ok &= sprig_sample(session, &token) == SPRIG_OK;
      result.ok &= sprig_detokenize(session, token, &text, &length) == SPRIG_OK;
      result.text_bytes += length;
      if (sprig_session_position(session) == sprig_session_context_length(session)) {
        result.ok &= sprig_shift(session, 1, (sprig_session_position(session) - 1) / 2) == SPRIG_OK;
        ++result.shifts;
      }
      result.ok &= sprig_decode(session, token) == SPRIG_OK;
      ++result.generated;
    }
    const char* rest = nullptr;
    size_t rest_length = 0;
    result.ok &= sprig_detokenize_finish(session, &rest, &rest_length) == SPRIG_OK;
    sprig_session_reset(session);
    sprig_generation_stats stats{};
    result.ok &= sprig_generate(session, prompt_text.data(), prompt_text.size(), 64, count_text, &result.text_bytes,
                                &stats) == SPRIG_OK;
    result.generate_tokens = stats.generated_tokens;
    sprig_session_destroy(session);
    result.allocations = counter.allocations();
    result.frees = counter.frees();
  }
  return result;
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

// XNNPACK's operators are created inside the session's arena; its setup (re-run as the batch
// size changes) and its runs allocate nothing either.
TEST_CASE("with the XNNPACK backend, a 512-token top-p generation makes no heap calls") {
  const std::string shared = test::shared_dir("allocations xnnpack");
  if (shared.empty()) return;
  const Generation g = generate_counted(stories(shared), 42, MatmulBackend::Xnnpack);
  CHECK(g.generated > 100);
  CHECK(g.allocations == 0);
  CHECK(g.frees == 0);
}

TEST_CASE("C API with the XNNPACK backend: creating it (packing the weights), its token path and destroying it make "
          "no heap calls") {
  const std::string shared = test::shared_dir("allocations C API xnnpack");
  if (shared.empty()) return;
  sprig_model* model = nullptr;
  REQUIRE(sprig_model_open(stories_path(shared).c_str(), &model) == SPRIG_OK);
  const CGeneration g = generate_counted_c(model, 42, SPRIG_BACKEND_XNNPACK);
  CHECK(g.ok);
  CHECK(g.generated == 512);
  CHECK(g.shifts > 0);
  CHECK(g.generate_tokens > 0);
  CHECK(g.allocations == 0);
  CHECK(g.frees == 0);
  sprig_model_close(model);
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

TEST_CASE("C API: a session's whole life with a 512-token top-p generation makes no heap calls") {
  const std::string shared = test::shared_dir("allocations C API");
  if (shared.empty()) return;
  sprig_model* model = nullptr;
  REQUIRE(sprig_model_open(stories_path(shared).c_str(), &model) == SPRIG_OK);
  const CGeneration g = generate_counted_c(model, 42);
  CHECK(g.ok);
  CHECK(g.prompt_tokens > 20);
  CHECK(g.generated == 512);
  CHECK(g.shifts > 0);
  CHECK(g.generate_tokens > 0);
  CHECK(g.text_bytes > 1000);
  CHECK(g.allocations == 0);
  CHECK(g.frees == 0);
  sprig_model_close(model);
}

TEST_CASE("C API: two sessions on two threads sharing one model make no heap calls") {
  const std::string shared = test::shared_dir("allocations C API threads");
  if (shared.empty()) return;
  sprig_model* model = nullptr;
  REQUIRE(sprig_model_open(stories_path(shared).c_str(), &model) == SPRIG_OK);
  CGeneration a, b;
  std::thread first([&] { a = generate_counted_c(model, 1); });
  std::thread second([&] { b = generate_counted_c(model, 2); });
  first.join();
  second.join();
  for (const CGeneration* g : {&a, &b}) {
    CHECK(g->ok);
    CHECK(g->generated == 512);
    CHECK(g->allocations == 0);
    CHECK(g->frees == 0);
  }
  sprig_model_close(model);
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

TEST_CASE("three chat turns on stories260K-chat make no heap calls") {
  const std::string shared = test::shared_dir("chat allocations");
  if (shared.empty()) return;
  const std::string path = test::convert(shared + "/models/stories260K-chat/stories260K-chat.gguf", "",
                                         test::work_dir("chat_allocations") + "/chat.sprig");
  auto model = Model::open(path);
  REQUIRE(model.ok());
  SessionOptions options;
  options.context_length = 512;
  auto session = Session::create(model.value(), options);
  REQUIRE(session.ok());
  const Tokenizer tokenizer(model.value()->vocab());
  const ChatFormatter formatter(*model.value(), tokenizer);
  Sampler sampler({0.8f, 0, 0.95f, 7}, tokenizer.vocab_size());
  Chat chat(*session.value(), tokenizer, formatter, sampler);
  chat.set_messages({{"system", "You are a kind storyteller."}});
  size_t streamed = 0;
  const TokenSink sink = [&streamed](int32_t, std::string_view text) {
    streamed += text.size();
    return true;
  };
  const char* asks[] = {"Tell me a story about a dog named Max.", "Now tell me what happened next.",
                        "Tell me a story about a cat named Lily."};
  size_t allocations = 0, frees = 0;
  uint32_t generated = 0, prefilled = 0;
  bool ok = true;
  {
    test::AllocationCounter counter;
    for (const char* ask : asks) {
      auto stats = chat.turn(ask, 120, sink);
      ok = ok && stats.ok();
      if (stats.ok()) generated += stats->generated_tokens, prefilled += stats->prefilled_tokens;
    }
    allocations = counter.allocations();
    frees = counter.frees();
  }
  REQUIRE(ok);
  CHECK(chat.messages().size() == 7);
  CHECK(generated > 60);
  CHECK(streamed > 100);
  CHECK(session.value()->prefilled_tokens() == prefilled);
  CHECK(allocations == 0);
  CHECK(frees == 0);
}
