// A serve slot's token path allocates nothing: between one generated token and the next, the
// slot's decode loop (penalties, min_p, top-k/top-p sampling, logprobs with 20 alternatives,
// stop-string matching, UTF-8 streaming) makes no heap call. Also: prefix reuse in a slot gives
// exactly the logprobs a fresh slot computes.
#include <doctest/doctest.h>

#include "allocation_counter.h"
#include "slot.h"
#include "test_support.h"

using namespace sprig;
using namespace sprig::serve;

namespace {

std::shared_ptr<const Model> stories(const std::string& shared) {
  const std::string dir = test::work_dir("serve_slot");
  auto model = Model::open(test::convert(shared + "/models/stories260K/stories260K.gguf", "", dir + "/m.sprig"));
  REQUIRE(model.ok());
  return model.value();
}

}  // namespace

TEST_CASE("a slot's decode loop makes no heap call per token") {
  const std::string shared = test::shared_dir("serve slot allocations");
  if (shared.empty()) return;
  auto model = stories(shared);
  const Tokenizer tokenizer(model->vocab());
  SessionOptions options;
  options.context_length = 512;
  auto slot = Slot::create(model, tokenizer, options);
  REQUIRE(slot.ok());
  std::vector<int32_t> prompt;
  tokenizer.encode("Once upon a time, in a quiet village, 작은 고양이가 살았어요.", true, prompt);

  SamplingRequest sampling;
  sampling.temperature = 0.9f;
  sampling.top_p = 0.95f;
  sampling.top_k = 40;
  sampling.min_p = 0.02f;
  sampling.presence_penalty = 0.5f;
  sampling.frequency_penalty = 0.3f;
  sampling.seed = 11;
  sampling.max_tokens = 300;
  sampling.logprobs = true;
  sampling.top_logprobs = 20;
  sampling.stop = {"never appears \x01"};

  // The sink reads the counter at every token; the first token's window holds the loop's set-up.
  test::AllocationCounter counter;
  std::vector<size_t> at_token;
  at_token.reserve(400);
  size_t alternatives = 0;
  auto run = slot.value()->run(prompt, sampling, [](int32_t) { return false; },
                               [&](std::string_view, const TokenLogprobs* lp) {
                                 if (lp) {
                                   at_token.push_back(counter.allocations());
                                   alternatives += lp->top.size();
                                 }
                                 return true;
                               });
  REQUIRE(run.ok());
  CHECK(run->completion_tokens == 300);
  REQUIRE(at_token.size() == 300);
  CHECK(alternatives == 300 * 20);
  CHECK(at_token.front() > 0);  // the counter sees the set-up (the stop-string buffer, ...)
  CHECK(at_token.back() == at_token.front());  // and no allocation from the first token to the last
}

TEST_CASE("prefix reuse in a slot computes what a fresh slot computes") {
  const std::string shared = test::shared_dir("serve slot reuse");
  if (shared.empty()) return;
  auto model = stories(shared);
  const Tokenizer tokenizer(model->vocab());
  SessionOptions options;
  options.context_length = 256;
  options.kv_cache = KvCacheType::F32;
  auto reused = Slot::create(model, tokenizer, options);
  auto fresh = Slot::create(model, tokenizer, options);
  REQUIRE((reused.ok() && fresh.ok()));
  std::vector<int32_t> first, second;
  tokenizer.encode("Once upon a time, there was a little girl named Lily.", true, first);
  tokenizer.encode("Once upon a time, there was a big dog named Max.", true, second);

  SamplingRequest greedy;
  greedy.temperature = 0;
  greedy.max_tokens = 20;
  greedy.logprobs = true;
  greedy.top_logprobs = 5;
  const StopToken never = [](int32_t) { return false; };
  auto collect = [](std::vector<double>& out) {
    return [&out](std::string_view, const TokenLogprobs* lp) {
      if (lp)
        for (const TokenChoice& c : lp->top) out.push_back(c.logprob);
      return true;
    };
  };
  std::vector<double> ignored, with_reuse, without;
  REQUIRE(reused.value()->run(first, greedy, never, collect(ignored)).ok());
  const size_t shared_prefix = reused.value()->shared_prefix(second);
  CHECK(shared_prefix > 3);
  auto run = reused.value()->run(second, greedy, never, collect(with_reuse));
  REQUIRE(run.ok());
  CHECK(run->cached_tokens == shared_prefix);
  REQUIRE(fresh.value()->run(second, greedy, never, collect(without)).ok());
  CHECK(with_reuse.size() == 100);
  CHECK(with_reuse == without);  // bit for bit
}
