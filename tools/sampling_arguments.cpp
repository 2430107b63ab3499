#include "sampling_arguments.h"

#include <chrono>
#include <cstdio>
#include <random>

namespace sprig::cli {

const std::set<std::string> kSamplingOptionNames = {"--temp",           "--top-k",          "--top-p",
                                                    "--min-p",          "--seed",           "--repeat-penalty",
                                                    "--repeat-last-n",  "--presence-penalty", "--frequency-penalty"};

const char* kSamplingOptionsUsage =
    "sampling (in this order: penalties, top-k, top-p, min-p, temperature, then the draw):\n"
    "  --temp T              temperature (default 0.8; 0: greedy, always the most likely token)\n"
    "  --top-k K             keep the K most likely tokens (default 40; 0: all)\n"
    "  --top-p P             keep the smallest set of most likely tokens whose probability exceeds P\n"
    "                        (default 0.95; 1: all)\n"
    "  --min-p P             keep tokens at least P times as likely as the most likely (default 0.05; 0: all)\n"
    "  --repeat-penalty R    divide a positive logit (multiply a negative one) of each token among the last\n"
    "                        N by R (default 1: off; 1.1-1.3 curbs repetition)\n"
    "  --repeat-last-n N     how many of the last tokens (prompt included) the penalties see (default 64,\n"
    "                        at most 4096; 0: none; -1: the context, up to 4096)\n"
    "  --presence-penalty P  subtract P from the logit of each token among them (default 0: off)\n"
    "  --frequency-penalty F subtract F times its count among them (default 0: off)\n"
    "  -s, --seed S          seed of the draws (default -1: a random one, printed so the run can be repeated)\n";

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
  o.min_p = float(args.number("--min-p", o.min_p, 0.0, 1.0));
  o.repeat_penalty = float(args.number("--repeat-penalty", o.repeat_penalty, 0.01, 100.0));
  const int64_t last_n = args.integer("--repeat-last-n", o.repeat_last_n, -1, kMaxPenaltyWindow);
  o.repeat_last_n = last_n < 0 ? kMaxPenaltyWindow : uint32_t(last_n);
  o.presence_penalty = float(args.number("--presence-penalty", o.presence_penalty, -100.0, 100.0));
  o.frequency_penalty = float(args.number("--frequency-penalty", o.frequency_penalty, -100.0, 100.0));
  const int64_t seed = args.integer("--seed", -1, -1, INT64_MAX);
  o.seed = seed >= 0 ? uint64_t(seed) : random_seed();
  return o;
}

void log_sampling(const SamplerOptions& o) {
  if (o.temperature <= 0.0f) {
    std::fprintf(stderr, "sprig: greedy decoding (--temp 0): always the most likely token\n");
    return;
  }
  std::string penalties;
  if (o.repeat_penalty != 1.0f || o.presence_penalty != 0.0f || o.frequency_penalty != 0.0f) {
    char text[160];
    std::snprintf(text, sizeof text, ", penalties over the last %u tokens: repeat %g, presence %g, frequency %g",
                  o.repeat_last_n, double(o.repeat_penalty), double(o.presence_penalty), double(o.frequency_penalty));
    penalties = text;
  }
  std::fprintf(stderr, "sprig: sampling: temperature %g, top-k %u, top-p %g, min-p %g%s; seed %llu (--seed %llu repeats it)\n",
               double(o.temperature), o.top_k, double(o.top_p), double(o.min_p), penalties.c_str(),
               (unsigned long long)o.seed, (unsigned long long)o.seed);
}

}  // namespace sprig::cli
