// Synthetic models have the published shapes (parameter counts) and valid checkpoints.
#include <doctest/doctest.h>

#include <cmath>

#include "checkpoint.h"

using namespace sprig::convert;

namespace {

uint64_t parameters(const Checkpoint& c) {
  uint64_t total = 0;
  for (const SourceTensor& t : c.tensors) {
    uint64_t count = 1;
    for (uint64_t d : t.shape) count *= d;
    total += count;
  }
  return total;
}

}  // namespace

TEST_CASE("synthetic shapes match the published parameter counts") {
  // Tied embeddings: SmolLM2-135M has 134.5M, Qwen2.5-0.5B 494M (less its q/k/v biases), Llama-3.2-1B 1.236B.
  const auto smollm = synthetic_checkpoint("smollm2-135m");
  const auto qwen = synthetic_checkpoint("qwen2.5-0.5b");
  const auto llama = synthetic_checkpoint("llama-3.2-1b");
  for (const Checkpoint* c : {&smollm, &qwen, &llama}) CHECK_NOTHROW(validate(*c));
  CHECK(std::llabs(int64_t(parameters(smollm)) - 134515008) < 1000000);
  CHECK(std::llabs(int64_t(parameters(qwen)) - 494032768) < 1000000);
  CHECK(std::llabs(int64_t(parameters(llama)) - 1235814400) < 1000000);
  CHECK(llama.hparams.kv_dim() == 512);
}

TEST_CASE("synthetic weights are seeded, small and finite; unknown names are errors") {
  const auto smollm = synthetic_checkpoint("smollm2-135m");
  const auto& q = smollm.tensors[2];
  const auto first = q.load(), second = q.load();
  CHECK(first == second);
  double sum_squares = 0;
  for (float v : first) sum_squares += double(v) * v;
  CHECK(std::sqrt(sum_squares / double(first.size())) == doctest::Approx(0.02).epsilon(0.02));
  CHECK_THROWS_WITH_AS(synthetic_checkpoint("gpt-5"), doctest::Contains("unknown synthetic model"), ConvertError);
}
