// Sessions: the memory plan, creation in caller memory, KV caches in f32 / f16 / int8, and
// batched prefill giving exactly the logits of decoding token by token.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <memory_resource>
#include <vector>

#include "checkpoint.h"
#include "model_writer.h"
#include "sprig/sampler.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"
#include "sprig/utf8_stream.h"
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
    const std::string kv_name = kv_cache_type_name(type);
    CAPTURE(kv_name);
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
      const std::string weights_name = dtype_name(dtype);
      CAPTURE(weights_name);
      const std::string kv_name = kv_cache_type_name(type);
      CAPTURE(kv_name);
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

namespace {

// Rotates interleaved pairs by -delta positions in double: the exact re-rotation a shift does.
std::vector<double> rotated(const std::vector<float>& key, size_t heads, size_t head_dim, int64_t delta, float theta) {
  std::vector<double> out(key.begin(), key.end());
  for (size_t i = 0; i < head_dim; i += 2) {
    const double angle = double(delta) * double(1.0f / std::pow(theta, float(i) / float(head_dim)));
    for (size_t h = 0; h < heads; ++h) {
      const double a = out[h * head_dim + i], b = out[h * head_dim + i + 1];
      out[h * head_dim + i] = a * std::cos(angle) - b * std::sin(angle);
      out[h * head_dim + i + 1] = a * std::sin(angle) + b * std::cos(angle);
    }
  }
  return out;
}

float max_abs(const std::vector<float>& v) {
  float m = 0;
  for (float x : v) m = std::max(m, std::fabs(x));
  return m;
}

// stories260K cut to its first block: its keys and values depend only on each token and its
// position, so a shifted cache can equal a fresh one.
std::shared_ptr<const Model> one_layer_stories(const std::string& shared) {
  const std::string dir = test::work_dir("session_one_layer");
  convert::Checkpoint checkpoint = convert::read_checkpoint(shared + "/models/stories260K/stories260K.bin",
                                                            shared + "/models/stories260K/tok512.bin");
  checkpoint.hparams.n_layers = 1;
  std::erase_if(checkpoint.tensors, [](const convert::SourceTensor& t) {
    return t.name.starts_with("blk.") && !t.name.starts_with("blk.0.");
  });
  convert::write_model(checkpoint, dir + "/one_layer.sprig", convert::WriteOptions{});
  auto model = Model::open(dir + "/one_layer.sprig");
  REQUIRE_MESSAGE(model.ok(), (model.ok() ? "" : model.error().message()));
  return model.value();
}

}  // namespace

TEST_CASE("a context shift re-rotates moved keys, moves values and leaves the kept prefix alone") {
  const std::string shared = test::shared_dir("session shift cache");
  if (shared.empty()) return;
  auto model = stories(shared);
  const Hyperparameters& h = model->hparams();
  const auto tokens = prompt_tokens(60);
  const uint32_t keep = 8, drop = 20;
  for (KvCacheType type : {KvCacheType::F32, KvCacheType::F16, KvCacheType::Int8}) {
    const std::string kv_name = kv_cache_type_name(type);
    CAPTURE(kv_name);
    SessionOptions options;
    options.context_length = 64;
    options.kv_cache = type;
    auto session = Session::create(model, options);
    REQUIRE(session.ok());
    Session& s = *session.value();
    REQUIRE(s.prefill(tokens).ok());
    std::vector<std::vector<float>> keys_before, values_before;
    std::vector<float> key(h.kv_dim()), value(h.kv_dim());
    for (size_t l = 0; l < h.n_layers; ++l)
      for (uint32_t t = 0; t < 60; ++t) {
        REQUIRE(s.read_kv(l, t, key, value).ok());
        keys_before.push_back(key);
        values_before.push_back(value);
      }
    CHECK(!s.shift(keep, 53).ok());  // more than is cached
    REQUIRE(s.shift(keep, drop).ok());
    CHECK(s.position() == 60 - drop);
    double worst = 0;
    for (size_t l = 0; l < h.n_layers; ++l)
      for (uint32_t t = 0; t < 60 - drop; ++t) {
        REQUIRE(s.read_kv(l, t, key, value).ok());
        const size_t before = l * 60 + (t < keep ? t : t + drop);
        CHECK(value == values_before[before]);  // values move unchanged, scales with them
        if (t < keep) {
          CHECK(key == keys_before[before]);
          continue;
        }
        const auto expected = rotated(keys_before[before], h.n_kv_heads, h.head_dim, -int64_t(drop), h.rope_theta);
        const float range = max_abs(keys_before[before]);
        for (size_t i = 0; i < key.size(); ++i) worst = std::max(worst, std::fabs(key[i] - expected[i]) / range);
      }
    // Relative to each row's largest key: float rotation rounds within a few ulps (1e-6); f16
    // stores the result within half a step (2^-12 of the largest element's binade, so below
    // 2^-11 of the row's range); int8 requantizes within half a step of range / 127, and the
    // rotation can grow a head's largest element by up to sqrt(2).
    const double bound = type == KvCacheType::F32 ? 1e-5 : type == KvCacheType::F16 ? 1.0 / 2048 : 1.5 / 127;
    MESSAGE(std::string(kv_cache_type_name(type)) << ": worst |shifted key - exact rotation| / row range " << worst);
    CHECK(worst <= bound);
  }
}

TEST_CASE("after a shift, a one-layer model continues as a fresh session fed the kept tokens") {
  const std::string shared = test::shared_dir("session shift end to end");
  if (shared.empty()) return;
  auto model = one_layer_stories(shared);
  const auto tokens = prompt_tokens(60);
  const uint32_t keep = 8, drop = 20;
  std::vector<int32_t> kept(tokens.begin(), tokens.begin() + keep);
  kept.insert(kept.end(), tokens.begin() + keep + drop, tokens.end());
  const std::vector<int32_t> next = {400, 17, 250, 3, 99};

  // Logits of each next token: after a shift, or fed the kept tokens afresh.
  auto run = [&](KvCacheType type, bool shifted) {
    SessionOptions options;
    options.context_length = 64;
    options.kv_cache = type;
    auto session = Session::create(model, options);
    REQUIRE(session.ok());
    if (shifted) {
      REQUIRE(session.value()->prefill(tokens).ok());
      REQUIRE(session.value()->shift(keep, drop).ok());
    } else {
      REQUIRE(session.value()->prefill(kept).ok());
    }
    std::vector<float> all;
    for (int32_t token : next) {
      REQUIRE(session.value()->decode(token).ok());
      all.insert(all.end(), session.value()->logits().begin(), session.value()->logits().end());
    }
    return all;
  };
  const auto fresh32 = run(KvCacheType::F32, false), fresh16 = run(KvCacheType::F16, false);
  const float storage = max_abs_difference(fresh16, fresh32);  // what storing f16 costs at all
  const float shift32 = max_abs_difference(run(KvCacheType::F32, true), fresh32);
  const float shift16 = max_abs_difference(run(KvCacheType::F16, true), fresh16);
  MESSAGE("max |logit difference|: shifted f32 vs fresh f32 " << shift32 << ", shifted f16 vs fresh f16 " << shift16
                                                               << ", fresh f16 vs fresh f32 " << storage);
  // Shifted keys differ from fresh ones only by rounding of the rotations. In f32 that is ~1e-6
  // relative, far below f16's 2^-12: at most a tenth of what f16 storage itself moves. In f16 the
  // two caches round nearby values, at most one step apart: no more than f16 storage moves.
  CHECK(storage > 0.0f);
  CHECK(shift32 <= 0.1f * storage);
  CHECK(shift16 <= storage);
}

TEST_CASE("the arena's high-water mark: never above the plan, and the plan within 5% of it at full context") {
  const std::string shared = test::shared_dir("session high water");
  if (shared.empty()) return;
  // q8 weights, so the quantized-input scratch is in use too.
  auto model = stories(shared, DType::Q8);
  const Tokenizer tokenizer(model->vocab());
  SessionOptions options;
  options.context_length = model->hparams().max_positions;  // 512
  options.batch = 32;
  options.threads = 1;
  options.track_memory = true;
  for (KvCacheType type : {KvCacheType::F16, KvCacheType::Int8}) {
    const std::string kv_name = kv_cache_type_name(type);
    CAPTURE(kv_name);
    options.kv_cache = type;
    auto session = Session::create(model, options);
    REQUIRE(session.ok());
    Session& s = *session.value();
    const SessionMemoryPlan& plan = s.plan();
    CHECK(plan.guard_bytes > 0);

    // Before any token only the session object is in use.
    ArenaUsage usage = s.memory_usage();
    CHECK(usage.guards_intact);
    CHECK(usage.high_water_bytes == plan.state_bytes);

    // Batched prefill of most of the context, then decode to the last position.
    const uint32_t context = s.context_length();
    const auto tokens = prompt_tokens(context - 12);
    REQUIRE(s.prefill(tokens).ok());
    const size_t after_prefill = s.memory_usage().high_water_bytes;
    for (int i = 0; i < 12; ++i) REQUIRE(s.decode(int32_t(100 + i)).ok());
    CHECK(s.position() == context);
    CHECK(s.memory_usage().high_water_bytes > after_prefill);  // the last positions of the cache

    // The rest of the token path at its widest. The sampler ranks every candidate when top-k
    // keeps all but one of them, and its penalties' history is full.
    const auto sampler_logits = s.region(ArenaRegion::SamplerLogits);
    const std::span logits(reinterpret_cast<float*>(sampler_logits.data()), tokenizer.vocab_size());
    std::copy(s.logits().begin(), s.logits().end(), logits.begin());
    SamplerOptions widest{1.0f, uint32_t(tokenizer.vocab_size() - 1), 1.0f, 7};
    widest.repeat_penalty = 1.1f;
    widest.repeat_last_n = kMaxPenaltyWindow;
    Sampler sampler(widest, tokenizer.vocab_size(), s.region(ArenaRegion::SamplerCandidates));
    for (uint32_t i = 0; i + 1 < 2 * kMaxPenaltyWindow; ++i) sampler.remember(std::vector<int32_t>{int32_t(i % 100)});
    const int32_t sampled = sampler.sample(logits);
    CHECK((sampled >= 0 && size_t(sampled) < tokenizer.vocab_size()));

    // The tokenizer's worst text of max_text_bytes: one symbol per byte, every pair of neighbours
    // a piece, so the merge queue starts full; its ids overflow the context's id buffer.
    const auto region = s.region(ArenaRegion::TokenizerWorkspace);
    std::pmr::monotonic_buffer_resource memory(region.data(), region.size(), std::pmr::null_memory_resource());
    Tokenizer::Workspace workspace(&memory);
    workspace.reserve(model->vocab(), options.max_text_bytes);
    const std::string text(options.max_text_bytes, 'o');
    REQUIRE(tokenizer.find("oo") >= 0);
    const auto ids_region = s.region(ArenaRegion::TokenIds);
    const auto encoded = tokenizer.encode(
        text, EncodeOptions{false, false},
        std::span(reinterpret_cast<int32_t*>(ids_region.data()), ids_region.size() / sizeof(int32_t)), workspace);
    CHECK(!encoded.complete);  // more ids than the context holds: the buffer is full

    // Streaming the longest piece, as the text region was sized for.
    size_t longest = 0;
    for (size_t id = 0; id < tokenizer.vocab_size(); ++id)
      if (tokenizer.decode(-1, int32_t(id)).size() > tokenizer.decode(-1, int32_t(longest)).size()) longest = id;
    Utf8Stream stream;
    const size_t written =
        stream.push(tokenizer.decode(-1, int32_t(longest)), reinterpret_cast<char*>(s.region(ArenaRegion::Text).data()));
    CHECK(written == tokenizer.decode(-1, int32_t(longest)).size());

    usage = s.memory_usage();
    CHECK(usage.guards_intact);
    size_t used = 0, planned = 0;
    for (size_t r = 0; r < kArenaRegions; ++r) {
      const std::string region_name = arena_region_name(ArenaRegion(r));
      CAPTURE(region_name);
      CHECK(usage.used_bytes[r] <= plan.region_bytes[r]);  // never above the plan
      const auto kind = ArenaRegion(r);
      if (plan.region_bytes[r] > 0 && kind != ArenaRegion::KeyScales && kind != ArenaRegion::ValueScales)
        CHECK(usage.used_bytes[r] > 0);
      MESSAGE(region_name << ": planned " << plan.region_bytes[r] << ", used " << usage.used_bytes[r]);
      planned += plan.region_bytes[r];
      used += usage.used_bytes[r];
    }
    MESSAGE(kv_name << ": all regions planned " << planned << " bytes, used " << used << " ("
                    << 100.0 * double(used) / double(planned) << "%); arena total " << plan.total_bytes());
    CHECK(used == usage.high_water_bytes);
    CHECK(double(planned) <= 1.05 * double(used));

    // An overrun past a region's end is caught by its guard.
    const auto logits_region = s.region(ArenaRegion::Logits);
    logits_region.data()[logits_region.size()] = std::byte{0};
    CHECK(!s.memory_usage().guards_intact);
  }
}
