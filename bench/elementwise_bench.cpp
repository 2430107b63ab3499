// Times per call of softmax, SwiGLU, RMSNorm and attention over f16 and int8 caches, per
// kernel set, as ratios to the scalar set measured in the same run. Shapes are Llama-3.2-1B's
// (dim 2048, ffn 8192, 32 heads / 8 kv heads of 64) at a 4096-token context; one call is one
// layer's work for one head (attention, softmax) or one token (the rest). The sets take turns
// over 40 passes of about 1 ms each (10 with --quick); the best pass of each counts.
#include "elementwise_bench.h"

#include <chrono>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_set.h"
#include "sprig/half.h"

namespace sprig::bench {
namespace {

using Clock = std::chrono::steady_clock;
using kernels::KernelSet;

// How many calls take about `seconds`.
size_t calls_for(const std::function<void()>& call, double seconds) {
  size_t calls = 1;
  for (;;) {
    const auto start = Clock::now();
    for (size_t i = 0; i < calls; ++i) call();
    if (std::chrono::duration<double>(Clock::now() - start).count() > seconds) return calls;
    calls *= 2;
  }
}

double seconds_for(const std::function<void()>& call, size_t calls) {
  const auto start = Clock::now();
  for (size_t i = 0; i < calls; ++i) call();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

void print_elementwise_kernels(bool quick) {
  // Short passes, many of them: on a loaded machine some pass runs without being preempted.
  const double budget = 0.001;
  const int passes = quick ? 10 : 40;
  const size_t dim = 2048, ffn = 8192, kv_heads = 8, head_dim = 64, context = 4096;
  const size_t kv_dim = kv_heads * head_dim;
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto floats = [&](size_t n) {
    std::vector<float> v(n);
    for (float& x : v) x = normal(rng);
    return v;
  };
  const auto x = floats(ffn), up = floats(ffn), weight = floats(dim), q = floats(head_dim), scores_in = floats(context);
  const auto cache = floats(context * kv_dim);
  std::vector<uint16_t> cache16(cache.size());
  for (size_t i = 0; i < cache.size(); ++i) cache16[i] = f32_to_f16(cache[i]);
  std::vector<int8_t> cache8(cache.size());
  for (size_t i = 0; i < cache.size(); ++i) cache8[i] = int8_t(int(cache[i] * 40.0f) % 128);
  std::vector<float> cache_scales(context * kv_heads, 0.01f);
  std::vector<float> work(ffn), scores(context), out(head_dim);

  struct Kernel {
    const char* name;
    std::function<void(const KernelSet&)> call;
  };
  const Kernel list[] = {
      {"softmax, 4096 scores", [&](const KernelSet& s) {
         std::copy(scores_in.begin(), scores_in.end(), scores.begin());
         s.softmax(scores.data(), context);
       }},
      {"swiglu, 8192", [&](const KernelSet& s) {
         std::copy(x.begin(), x.end(), work.begin());
         s.swiglu(work.data(), up.data(), ffn);
       }},
      {"rmsnorm, 2048", [&](const KernelSet& s) { s.rmsnorm(x.data(), weight.data(), work.data(), dim, 1e-5f); }},
      {"scores f16 cache, 4096 x 64", [&](const KernelSet& s) {
         s.attention_scores_f16(q.data(), cache16.data(), kv_dim, context, head_dim, 0.125f, scores.data());
       }},
      {"weighted sum f16 cache, 4096 x 64", [&](const KernelSet& s) {
         s.weighted_sum_f16(scores_in.data(), cache16.data(), kv_dim, context, head_dim, out.data());
       }},
      {"scores int8 cache, 4096 x 64", [&](const KernelSet& s) {
         s.attention_scores_int8(q.data(), cache8.data(), kv_dim, cache_scales.data(), kv_heads, context, head_dim,
                                 0.125f, scores.data());
       }},
      {"weighted sum int8 cache, 4096 x 64", [&](const KernelSet& s) {
         s.weighted_sum_int8(scores_in.data(), cache8.data(), kv_dim, cache_scales.data(), kv_heads, context,
                             head_dim, out.data());
       }},
  };

  std::printf("\n## Attention and elementwise kernels (one thread), Llama-3.2-1B shapes\n\n");
  std::printf("| kernel | kernels | us per call | vs scalar |\n|---|---|---|---|\n");
  const auto sets = kernels::supported_kernel_sets();
  for (const Kernel& k : list) {
    // The sets take turns, pass after pass, so a burst of load elsewhere hits them alike; the
    // best pass of each counts.
    std::vector<size_t> calls(sets.size());
    std::vector<double> best(sets.size(), 1e30);
    for (size_t i = 0; i < sets.size(); ++i) calls[i] = calls_for([&] { k.call(*sets[i]); }, budget);
    for (int pass = 0; pass < passes; ++pass)
      for (size_t i = 0; i < sets.size(); ++i)
        best[i] = std::min(best[i], seconds_for([&] { k.call(*sets[i]); }, calls[i]) / double(calls[i]));
    for (size_t i = 0; i < sets.size(); ++i)
      std::printf("| %s | %s | %.2f | %.1fx |\n", k.name, sets[i]->name, best[i] * 1e6, best[0] / best[i]);
  }
}

}  // namespace sprig::bench
