// The forward pass through each kernel set and thread count on stories260K: quantized models give
// the scalar set's logits bit for bit in every set, over an f16 and an int8 KV cache (so greedy outputs never depend on the CPU),
// float models close ones, and threads never change a single bit (rows are split, never the sums
// within a row).
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "kernels/kernel_set.h"
#include "sprig/session.h"
#include "test_support.h"

using namespace sprig;

namespace {

std::vector<int32_t> prompt(size_t n) {
  std::vector<int32_t> ids = {1};
  for (size_t i = 1; i < n; ++i) ids.push_back(int32_t(3 + (i * 53) % 500));
  return ids;
}

// Logits after a 20-token prefill and after one decode step, concatenated.
std::vector<float> run(const std::shared_ptr<const Model>& model, uint32_t threads, uint32_t batch, KvCacheType kv) {
  SessionOptions options;
  options.kv_cache = kv;
  options.context_length = 64;
  options.threads = threads;
  options.min_parallel_macs = 0;  // stories260K is small: make every step parallel
  options.batch = batch;
  auto session = Session::create(model, options);
  REQUIRE(session.ok());
  const auto tokens = prompt(21);
  REQUIRE(session.value()->prefill(std::span(tokens).first(20)).ok());
  std::vector<float> out(session.value()->logits().begin(), session.value()->logits().end());
  REQUIRE(session.value()->decode(tokens[20]).ok());
  out.insert(out.end(), session.value()->logits().begin(), session.value()->logits().end());
  return out;
}

}  // namespace

TEST_CASE("each kernel set and thread count on stories260K") {
  const std::string shared = test::shared_dir("kernel sets in the forward pass");
  if (shared.empty()) return;
  const std::string active = kernels::active_kernels().name;
  for (DType dtype : {DType::F32, DType::F16, DType::Q8, DType::Q4, DType::Q4A}) {
    const std::string dtype_text = dtype_name(dtype);
    CAPTURE(dtype_text);
    const std::string dir = test::work_dir(std::string("kernel_session_") + dtype_name(dtype));
    // Every matrix in the dtype under test (q8's default f16 head would add a float path).
    auto model = Model::open(test::convert(shared + "/models/stories260K/stories260K.bin",
                                           shared + "/models/stories260K/tok512.bin", dir + "/m.sprig", dtype, dtype));
    REQUIRE(model.ok());
    // Float sums reassociate; an f16 cache would round those differences into whole ulps.
    const KvCacheType kv = is_quantized(dtype) ? KvCacheType::F16 : KvCacheType::F32;
    REQUIRE(kernels::select_kernels("scalar"));
    const auto reference = run(model.value(), 1, 8, kv);
    for (const kernels::KernelSet* set : kernels::supported_kernel_sets()) {
      const std::string set_name = set->name;
      CAPTURE(set_name);
      REQUIRE(kernels::select_kernels(set->name));
      const auto one = run(model.value(), 1, 8, kv);
      float worst = 0, largest = 0;
      for (size_t i = 0; i < one.size(); ++i) {
        worst = std::max(worst, std::fabs(one[i] - reference[i]));
        largest = std::max(largest, std::fabs(reference[i]));
      }
      if (is_quantized(dtype))
        CHECK(one == reference);
      else  // reassociated float sums over 5 layers: far below any logit gap that decides a token
        CHECK(worst <= 1e-5f * largest);
      // Threads: every set on one dtype, the best set on every dtype (each threaded run costs
      // dispatches on a small model; this is a check of bits, not of speed).
      const bool best = set == kernels::supported_kernel_sets().back();
      if (best || dtype == DType::Q4) CHECK(run(model.value(), 2, 8, kv) == one);
      if (best && dtype == DType::Q8) CHECK(run(model.value(), 3, 5, kv) == one);
    }
    // The int8 cache's attention kernels keep the quantized models' bits too.
    if (dtype == DType::Q8 || dtype == DType::Q4) {
      REQUIRE(kernels::select_kernels("scalar"));
      const auto reference_int8 = run(model.value(), 1, 8, KvCacheType::Int8);
      for (const kernels::KernelSet* set : kernels::supported_kernel_sets()) {
        const std::string set_name = set->name;
        CAPTURE(set_name);
        REQUIRE(kernels::select_kernels(set->name));
        CHECK(run(model.value(), 1, 8, KvCacheType::Int8) == reference_int8);
      }
    }
  }
  REQUIRE(kernels::select_kernels(active));
}
