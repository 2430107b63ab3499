#include "sampling_arguments.h"

#include <chrono>
#include <cstdio>
#include <random>

namespace sprig::cli {

const std::set<std::string> kSamplingOptionNames = {"--temp", "--top-k", "--top-p", "--seed"};

const char* kSamplingOptionsUsage =
    "  --temp T        temperature (default 0.8; 0: greedy, always the most likely token)\n"
    "  --top-k K       keep the K most likely tokens (default 40; 0: all)\n"
    "  --top-p P       keep the smallest set of most likely tokens whose probability exceeds P\n"
    "                  (default 0.95; 1: all)\n"
    "  --seed S        seed of the draws (default -1: a random one, printed so the run can be repeated)\n";

namespace {

uint64_t random_seed() {
  std::random_device device;
  const uint64_t entropy = (uint64_t(device()) << 32) ^ device();
  // Mixed with the clock in case random_device is deterministic on this platform; kept below
  // 2^31 so it is easy to type back.
  return (entropy ^ uint64_t(std::chrono::steady_clock::now().time_since_epoch().count())) % 2147483647u;
}

}  // namespace

SamplerOptions sampling_options(const Arguments& args, const SamplerOptions& defaults) {
  SamplerOptions o = defaults;
  o.temperature = float(args.number("--temp", o.temperature, 0.0, 100.0));
  o.top_k = uint32_t(args.integer("--top-k", o.top_k, 0, 1 << 24));
  o.top_p = float(args.number("--top-p", o.top_p, 0.0, 1.0));
  const int64_t seed = args.integer("--seed", -1, -1, INT64_MAX);
  o.seed = seed >= 0 ? uint64_t(seed) : random_seed();
  return o;
}

void log_sampling(const SamplerOptions& o) {
  if (o.temperature <= 0.0f) {
    std::fprintf(stderr, "sprig: greedy decoding (--temp 0): always the most likely token\n");
    return;
  }
  std::fprintf(stderr, "sprig: sampling: temperature %g, top-k %u, top-p %g, min-p %g; seed %llu (--seed %llu repeats it)\n",
               double(o.temperature), o.top_k, double(o.top_p), double(o.min_p), (unsigned long long)o.seed,
               (unsigned long long)o.seed);
}

}  // namespace sprig::cli
