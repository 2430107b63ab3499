// Sessions: the memory plan, creation in caller memory, KV caches in f32 / f16 / int8, and
// batched prefill giving exactly the logits of decoding token by token.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "sprig/session.h"
#include "test_support.h"

using namespace sprig;

namespace {

// A fixed prompt of 40 ids: enough for batches that end ragged.
std::vector<int32_t> prompt_tokens(size_t n) {
  std::vector<int32_t> ids = {1};
  for (size_t i = 1; i < n; ++i) ids.push_back(int32_t(3 + (i * 37) % 500));
  return ids;
}

std::shared_ptr<const Model> stories(const std::string& shared, DType dtype = DType::F32) {
  const std::string dir = test::work_dir(std::string("session_") + dtype_name(dtype));
  auto model = Model::open(test::convert(shared + "/models/stories260K/stories260K.bin",
                                         shared + "/models/stories260K/tok512.bin", dir + "/m.sprig", dtype));
  REQUIRE(model.ok());
  return model.value();
}

std::vector<float> copy(std::span<const float> logits) { return {logits.begin(), logits.end()}; }

float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

}  // namespace

TEST_CASE("the plan adds up and states the KV cache per type") {
  const std::string shared = test::shared_dir("session plan");
  if (shared.empty()) return;
  auto model = stories(shared);
  const Hyperparameters& h = model->hparams();
  SessionOptions options;
  options.context_length = 256;
  options.track_memory = false;
  for (KvCacheType type : {KvCacheType::F32, KvCacheType::F16, KvCacheType::Int8}) {
    CAPTURE(kv_cache_type_name(type));
    options.kv_cache = type;
    auto plan = plan_session_memory(*model, options);
    REQUIRE(plan.ok());
    const size_t cells = size_t(h.n_layers) * 256 * h.kv_dim();
    const size_t expected = type == KvCacheType::F32   ? 2 * 4 * cells
                            : type == KvCacheType::F16 ? 2 * 2 * cells
                                                       : 2 * cells + 2 * 4 * size_t(h.n_layers) * 256 * h.n_kv_heads;
    CHECK(plan->kv_cache_bytes == expected);
    size_t regions = 0;
    for (size_t bytes : plan->region_bytes) regions += bytes;
    CHECK(plan->total_bytes() == regions + plan->padding_bytes + plan->guard_bytes);
    CHECK(plan->guard_bytes == 0);
  }
  options.batch = 64;
  auto wide = plan_session_memory(*model, options);
  options.batch = 1;
  auto narrow = plan_session_memory(*model, options);
  // [batch x width] buffers: x, xb, xb2, q, k, v, hb, hb2 in floats (f32 weights: no quantized input).
  const size_t per_row = 4 * (2 * h.dim + std::max(h.dim, h.q_dim()) + h.q_dim() + 2 * h.kv_dim() + 2 * h.ffn_dim);
  CHECK(wide->activation_bytes - narrow->activation_bytes == 63 * per_row);
  options.threads = 3;
  auto threads = plan_session_memory(*model, options);
  CHECK(threads->scratch_bytes - narrow->scratch_bytes == 2 * 256 * sizeof(float));

  options.batch = 0;
  CHECK(!plan_session_memory(*model, options).ok());
}

TEST_CASE("a session in caller memory: too small names the bytes needed, enough runs like an allocated one") {
  const std::string shared = test::shared_dir("session caller memory");
  if (shared.empty()) return;
  auto model = stories(shared);
  SessionOptions options;
  options.context_length = 64;
  auto plan = plan_session_memory(*model, options);
  REQUIRE(plan.ok());
  std::vector<std::byte> memory(plan->total_bytes());
  auto small = Session::create(model, options, std::span(memory).first(plan->total_bytes() - 1));
  REQUIRE(!small.ok());
  CHECK(small.error().message().find("needs " + std::to_string(plan->total_bytes()) + " bytes") != std::string::npos);

  auto placed = Session::create(model, options, memory);
  REQUIRE(placed.ok());
  auto allocated = Session::create(model, options);
  REQUIRE(allocated.ok());
  const auto tokens = prompt_tokens(20);
  REQUIRE(placed.value()->prefill(tokens).ok());
  REQUIRE(allocated.value()->prefill(tokens).ok());
  CHECK(copy(placed.value()->logits()) == copy(allocated.value()->logits()));
  // The session lives inside the memory it was given.
  const auto* session = reinterpret_cast<const std::byte*>(placed.value().get());
  CHECK(session >= memory.data());
  CHECK(session < memory.data() + memory.size());
}

TEST_CASE("prefill in batches gives exactly the logits of decoding token by token, for every KV cache type") {
  const std::string shared = test::shared_dir("session prefill");
  if (shared.empty()) return;
  for (DType dtype : {DType::F32, DType::Q8}) {
    auto model = stories(shared, dtype);
    const auto tokens = prompt_tokens(40);
    for (KvCacheType type : {KvCacheType::F32, KvCacheType::F16, KvCacheType::Int8}) {
      CAPTURE(dtype_name(dtype));
      CAPTURE(kv_cache_type_name(type));
      SessionOptions options;
      options.context_length = 64;
      options.kv_cache = type;
      options.batch = 1;
      auto stepwise = Session::create(model, options);
      REQUIRE(stepwise.ok());
      std::vector<std::vector<float>> expected;
      for (int32_t token : tokens) {
        REQUIRE(stepwise.value()->decode(token).ok());
        expected.push_back(copy(stepwise.value()->logits()));
      }
      for (uint32_t batch : {3u, 16u, 64u}) {
        CAPTURE(batch);
        options.batch = batch;
        auto session = Session::create(model, options);
        REQUIRE(session.ok());
        // A prefill of 25 tokens, then the rest as a second prefill that starts mid-cache.
        REQUIRE(session.value()->prefill(std::span(tokens).first(25)).ok());
        CHECK(copy(session.value()->logits()) == expected[24]);
        REQUIRE(session.value()->prefill(std::span(tokens).subspan(25, 14)).ok());
        CHECK(copy(session.value()->logits()) == expected[38]);
        REQUIRE(session.value()->decode(tokens[39]).ok());
        CHECK(copy(session.value()->logits()) == expected[39]);
        CHECK(session.value()->position() == 40);
      }
    }
  }
}

TEST_CASE("f16 and int8 KV caches stay close to f32") {
  const std::string shared = test::shared_dir("session kv types");
  if (shared.empty()) return;
  auto model = stories(shared);
  const auto tokens = prompt_tokens(60);
  auto logits_with = [&](KvCacheType type) {
    SessionOptions options;
    options.context_length = 64;
    options.kv_cache = type;
    auto session = Session::create(model, options);
    REQUIRE(session.ok());
    REQUIRE(session.value()->prefill(tokens).ok());
    return copy(session.value()->logits());
  };
  const auto f32 = logits_with(KvCacheType::F32);
  const float f16 = max_abs_difference(logits_with(KvCacheType::F16), f32);
  const float int8 = max_abs_difference(logits_with(KvCacheType::Int8), f32);
  MESSAGE("max |logit difference| vs f32 KV after 60 tokens: f16 " << f16 << ", int8 " << int8);
  // f16 keeps 11 significant bits (relative error 2^-12), int8 7 bits of each head's range;
  // stories260K's logits span about 20, so these bounds are a few ulps of each format's step.
  CHECK(f16 > 0.0f);
  CHECK(f16 < 0.01f);
  CHECK(int8 > f16);
  CHECK(int8 < 0.25f);
}

TEST_CASE("prefill rejects what does not fit, before computing anything") {
  const std::string shared = test::shared_dir("session prefill errors");
  if (shared.empty()) return;
  auto model = stories(shared);
  SessionOptions options;
  options.context_length = 16;
  auto session = Session::create(model, options);
  REQUIRE(session.ok());
  const auto tokens = prompt_tokens(17);
  CHECK(session.value()->prefill(tokens).message().find("context is full") != std::string::npos);
  CHECK(session.value()->position() == 0);
  std::vector<int32_t> bad = {1, 2, 9999};
  CHECK(session.value()->prefill(bad).message().find("outside the vocabulary") != std::string::npos);
  CHECK(session.value()->position() == 0);
  CHECK(!session.value()->prefill({}).ok());
}
