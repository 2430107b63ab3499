// The XNNPACK backend (SessionOptions::backend = Xnnpack): XNNPACK's f32 fully-connected operators
// multiply stories260K's f32 matrices and give llama2.c's greedy tokens and sprig's logits within
// a stated tolerance, in prefill (re-set-up when the batch size changes) and decode; their packed
// weights live in the planned arena region; quantized matrices stay on sprig's kernels; bad
// options and too little memory are clear errors; an XNNPACK allocation outside session creation
// stops the process with a message.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xnnpack.h>

#include <cmath>
#include <csignal>
#include <cstring>
#include <type_traits>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "sprig/generate.h"
#include "sprig/session.h"
#include "sprig/sprig.h"
#include "test_support.h"
#include "backends/xnnpack_backend.h"
#include "session/matmul.h"

using namespace sprig;

namespace {

std::string stories_path(const std::string& shared, DType dtype) {
  const std::string dir = test::work_dir(std::string("xnnpack_") + dtype_name(dtype));
  return test::convert(shared + "/models/stories260K/stories260K.bin", shared + "/models/stories260K/tok512.bin",
                       dir + "/m.sprig", dtype);
}

std::shared_ptr<const Model> stories(const std::string& shared, DType dtype = DType::F32) {
  auto model = Model::open(stories_path(shared, dtype));
  REQUIRE(model.ok());
  return model.value();
}

std::vector<int32_t> prompt_tokens(size_t n) {
  std::vector<int32_t> ids = {1};
  for (size_t i = 1; i < n; ++i) ids.push_back(int32_t(3 + (i * 37) % 500));
  return ids;
}

SessionOptions options_for(MatmulBackend backend, uint32_t batch = 16) {
  SessionOptions o;
  o.context_length = 128;
  o.batch = batch;
  o.kv_cache = KvCacheType::F32;
  o.backend = backend;
  o.min_parallel_macs = 0;  // threads > 1 then really splits every matrix between them
  return o;
}

std::vector<float> copy(std::span<const float> logits) { return {logits.begin(), logits.end()}; }

float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(a[i] - b[i]));
  return worst;
}

// Logits of stories260K differ between the backends only by the summation order of f32 dot
// products (at most 768 terms); after 60 positions the measured difference is a few 1e-6.
constexpr float kLogitTolerance = 1e-4f;

}  // namespace

TEST_CASE("XNNPACK gives llama2.c's greedy tokens on stories260K f32") {
  const std::string shared = test::shared_dir("xnnpack golden");
  if (shared.empty()) return;
  auto model = stories(shared);
  std::ifstream in(shared + "/models/stories260K/expected_output.json");
  const auto json = nlohmann::json::parse(in);
  const Tokenizer tokenizer(model->vocab());
  bool greedy_seen = false;
  for (const auto& c : json["cases"]) {
    if (c["temperature"].get<float>() != 0.0f) continue;
    greedy_seen = true;
    const auto golden = c["generated_ids"].get<std::vector<int32_t>>();
    for (uint32_t threads : {1u, 2u}) {
      CAPTURE(threads);
      SessionOptions options;  // the golden test's own settings: f16 cache, batch 32
      options.backend = MatmulBackend::Xnnpack;
      options.threads = threads;
      options.min_parallel_macs = 0;
      auto session = Session::create(model, options);
      REQUIRE_MESSAGE(session.ok(), (session.ok() ? "" : session.error().message()));
      const std::string all = "XNNPACK multiplies " + std::to_string(model->layers().size() * 7 + 1) + " f32 matrices";
      CHECK(session.value()->backend_summary().find(all) != std::string::npos);
      Sampler sampler({0.0f, 0, 1.0f, 0}, tokenizer.vocab_size());
      std::vector<float> scratch(tokenizer.vocab_size());
      std::vector<int32_t> ids;
      const std::vector<int32_t> prompt = {tokenizer.bos_id()};
      auto stats = generate(*session.value(), tokenizer, sampler, prompt, uint32_t(golden.size()), scratch,
                            [&](int32_t id, std::string_view) {
                              if (id >= 0) ids.push_back(id);
                              return true;
                            });
      REQUIRE(stats.ok());
      CHECK(ids == golden);
    }
  }
  CHECK(greedy_seen);
}

TEST_CASE("XNNPACK's logits stay within 1e-4 of sprig's f32 kernels in prefill and decode") {
  const std::string shared = test::shared_dir("xnnpack logits");
  if (shared.empty()) return;
  auto model = stories(shared);
  const auto tokens = prompt_tokens(60);
  auto reference = Session::create(model, options_for(MatmulBackend::Sprig, 1));
  REQUIRE(reference.ok());
  std::vector<std::vector<float>> expected;
  for (int32_t t : tokens) {
    REQUIRE(reference.value()->decode(t).ok());
    expected.push_back(copy(reference.value()->logits()));
  }
  for (uint32_t threads : {1u, 2u}) {
    for (uint32_t batch : {1u, 7u, 32u}) {
      CAPTURE(threads);
      CAPTURE(batch);
      SessionOptions options = options_for(MatmulBackend::Xnnpack, batch);
      options.threads = threads;
      auto session = Session::create(model, options);
      REQUIRE(session.ok());
      Session& s = *session.value();
      // Prefill batches of `batch` then a ragged remainder (setup re-run for each new row count),
      // a second prefill starting mid-cache, then decode (one row: setup again).
      REQUIRE(s.prefill(std::span(tokens).first(25)).ok());
      const float after_prefill = max_abs_difference(copy(s.logits()), expected[24]);
      REQUIRE(s.prefill(std::span(tokens).subspan(25, 14)).ok());
      const float after_second = max_abs_difference(copy(s.logits()), expected[38]);
      float decode_worst = 0;
      for (size_t i = 39; i < tokens.size(); ++i) {
        REQUIRE(s.decode(tokens[i]).ok());
        decode_worst = std::max(decode_worst, max_abs_difference(copy(s.logits()), expected[i]));
      }
      MESSAGE("threads " << threads << ", batch " << batch << ": max |logit difference| " << after_prefill << " / "
                         << after_second << " after the prefills, " << decode_worst << " over 21 decode steps");
      CHECK(after_prefill <= kLogitTolerance);
      CHECK(after_second <= kLogitTolerance);
      CHECK(decode_worst <= kLogitTolerance);
      // Not trivially equal: XNNPACK really computed them (another summation order).
      CHECK(after_prefill + after_second + decode_worst > 0.0f);
    }
  }
}

TEST_CASE("the plan holds XNNPACK's operators and packed weights, and creation uses no more") {
  const std::string shared = test::shared_dir("xnnpack plan");
  if (shared.empty()) return;
  auto model = stories(shared);
  SessionOptions options = options_for(MatmulBackend::Sprig);
  options.track_memory = true;
  auto sprig_plan = plan_session_memory(*model, options);
  REQUIRE(sprig_plan.ok());
  CHECK(sprig_plan->backend_bytes == 0);
  options.backend = MatmulBackend::Xnnpack;
  auto plan = plan_session_memory(*model, options);
  REQUIRE(plan.ok());
  // At least a full f32 copy of every matrix, at most a few percent more (row blocks, biases).
  size_t weights = 0;
  for (const LayerWeights& l : model->layers())
    for (const TensorView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      weights += w->rows * w->cols * 4;
  weights += model->output().rows * model->output().cols * 4;
  CHECK(plan->backend_bytes >= weights);
  CHECK(plan->backend_bytes <= weights + weights / 5 + (model->layers().size() * 7 + 1) * 4096);
  CHECK(plan->total_bytes() - sprig_plan->total_bytes() == plan->backend_bytes);
  CHECK(plan->region_bytes[size_t(ArenaRegion::Xnnpack)] == plan->backend_bytes);

  auto session = Session::create(model, options);
  REQUIRE(session.ok());
  Session& s = *session.value();
  REQUIRE(s.prefill(prompt_tokens(40)).ok());
  REQUIRE(s.decode(5).ok());
  const ArenaUsage usage = s.memory_usage();
  CHECK(usage.guards_intact);
  const size_t used = usage.used_bytes[size_t(ArenaRegion::Xnnpack)];
  CHECK(used >= weights);
  CHECK(used <= plan->backend_bytes);
  MESSAGE("xnnpack region: planned " << plan->backend_bytes << " bytes, used " << used << "; f32 weights " << weights);
}

TEST_CASE("quantized matrices stay on sprig's kernels, with the same logits as backend sprig") {
  const std::string shared = test::shared_dir("xnnpack q8");
  if (shared.empty()) return;
  auto model = stories(shared, DType::Q8);
  const xnnpack::Coverage c = xnnpack::coverage(ForwardMatrices(*model));
  const size_t layer_matrices = model->layers().size() * 7;
  // The recipe may keep the output head at higher precision: XNNPACK takes it when it is f32.
  const size_t head_f32 = model->output().dtype == DType::F32 ? 1 : 0;
  CHECK(c.on_sprig == layer_matrices + 1 - head_f32);
  CHECK(c.on_xnnpack == head_f32);
  auto a = Session::create(model, options_for(MatmulBackend::Sprig));
  auto b = Session::create(model, options_for(MatmulBackend::Xnnpack));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  const std::string rest = std::to_string(c.on_sprig) + " f16/quantized matrices stay on sprig's kernels";
  CHECK(b.value()->backend_summary().find(rest) != std::string::npos);
  const auto tokens = prompt_tokens(30);
  REQUIRE(a.value()->prefill(tokens).ok());
  REQUIRE(b.value()->prefill(tokens).ok());
  CHECK(max_abs_difference(copy(a.value()->logits()), copy(b.value()->logits())) <= kLogitTolerance);
}

TEST_CASE("two XNNPACK sessions, each with its own packed weights, give the same logits") {
  const std::string shared = test::shared_dir("xnnpack two sessions");
  if (shared.empty()) return;
  auto model = stories(shared);
  auto plan = plan_session_memory(*model, options_for(MatmulBackend::Xnnpack));
  REQUIRE(plan.ok());
  std::vector<std::byte> memory(plan->total_bytes());
  auto placed = Session::create(model, options_for(MatmulBackend::Xnnpack), memory);
  auto allocated = Session::create(model, options_for(MatmulBackend::Xnnpack));
  REQUIRE(placed.ok());
  REQUIRE(allocated.ok());
  const auto tokens = prompt_tokens(20);
  REQUIRE(placed.value()->prefill(tokens).ok());
  REQUIRE(allocated.value()->prefill(tokens).ok());
  CHECK(copy(placed.value()->logits()) == copy(allocated.value()->logits()));
}

TEST_CASE("bad backend options and too little memory are clear errors") {
  const std::string shared = test::shared_dir("xnnpack errors");
  if (shared.empty()) return;
  auto model = stories(shared);
  CHECK(!parse_matmul_backend("xnn").has_value());
  CHECK(parse_matmul_backend("xnnpack") == MatmulBackend::Xnnpack);

  SessionOptions options = options_for(MatmulBackend::Xnnpack);
  auto plan = plan_session_memory(*model, options);
  REQUIRE(plan.ok());
  std::vector<std::byte> memory(plan->total_bytes());
  auto small = Session::create(model, options, std::span(memory).first(plan->total_bytes() - 1));
  REQUIRE(!small.ok());
  CHECK(small.error().message().find("needs " + std::to_string(plan->total_bytes()) + " bytes") != std::string::npos);

  options.backend = MatmulBackend(9);
  auto unknown = plan_session_memory(*model, options);
  REQUIRE(!unknown.ok());
  CHECK(unknown.error().message() == "unknown matmul backend");

  sprig_model* c_model = nullptr;
  REQUIRE(sprig_model_open(stories_path(shared, DType::F32).c_str(), &c_model) == SPRIG_OK);
  sprig_session_options c_options;
  sprig_session_options_init(&c_options);
  CHECK(c_options.backend == SPRIG_BACKEND_SPRIG);
  // What a C caller can store in the enum field (C++ may not form that enum value itself).
  const std::underlying_type_t<sprig_matmul_backend> five = 5;
  std::memcpy(&c_options.backend, &five, sizeof five);
  size_t bytes = 0;
  CHECK(sprig_session_bytes(c_model, &c_options, &bytes) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(std::string(sprig_last_error()).find("backend") != std::string::npos);
  c_options.backend = SPRIG_BACKEND_XNNPACK;
  c_options.context_length = 128;
  REQUIRE(sprig_session_bytes(c_model, &c_options, &bytes) == SPRIG_OK);
  c_options.backend = SPRIG_BACKEND_SPRIG;
  size_t sprig_bytes = 0;
  REQUIRE(sprig_session_bytes(c_model, &c_options, &sprig_bytes) == SPRIG_OK);
  CHECK(bytes > sprig_bytes + 4 * 260000);  // the packed f32 copy of about 260K weights
  sprig_model_close(c_model);
}

TEST_CASE("an XNNPACK allocation outside session creation stops the process with a message") {
  REQUIRE(xnnpack::initialize().ok());
  // In a child process: creating an operator with no session being created asks the allocator
  // for memory on nobody's behalf.
  int pipe_fds[2];
  REQUIRE(pipe(pipe_fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    dup2(pipe_fds[1], 2);
    std::vector<float> w(16, 1.0f);
    xnn_operator_t op = nullptr;
    xnn_create_fully_connected_nc_f32(4, 4, 4, 4, w.data(), nullptr, -INFINITY, INFINITY, 0, &op);
    _exit(0);  // not reached when the allocator stops the process
  }
  close(pipe_fds[1]);
  std::string message;
  char buffer[512];
  for (ssize_t n; (n = read(pipe_fds[0], buffer, sizeof buffer)) > 0;) message.append(buffer, size_t(n));
  close(pipe_fds[0]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGABRT);
  CHECK(message.find("XNNPACK asked for") != std::string::npos);
  CHECK(message.find("outside session creation") != std::string::npos);
}
