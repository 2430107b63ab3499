// sprig run: raw completion. stdout carries exactly the generated text (the prompt too with
// --echo); everything else goes to stderr.
#include <cstdio>
#include <vector>

#include "arguments.h"
#include "commands.h"
#include "../runtime/kernels/kernel_set.h"
#include "sprig/cpu_features.h"
#include "sampling_defaults.h"
#include "session_arguments.h"
#include "sprig/generate.h"

namespace sprig::cli {

const char* kRunUsage =
    "usage: sprig run -m model.sprig [-p PROMPT] [-n TOKENS] [--temp T] [--top-k K] [--top-p P] [--seed S]\n"
    "                 [-c CONTEXT] [-b BATCH] [-t THREADS] [--kv-cache f16|int8|f32] [--kernels SET] [--track-memory]\n"
    "                 [--backend sprig|xnnpack]\n"
    "                 [--echo]\n";

int run_command(int argc, char** argv) {
  std::set<std::string> names = kSessionOptionNames;
  names.insert({"-m", "-p", "-n", "--temp", "--top-k", "--top-p", "--seed"});
  std::set<std::string> flags = kSessionFlagNames;
  flags.insert("--echo");
  const Arguments args(argc, argv, names, flags);
  if (!args.has("-m")) throw UsageError("-m MODEL is required");
  const std::string prompt_text = args.text("-p");
  const uint32_t max_tokens = uint32_t(args.integer("-n", 256, 0, 1 << 24));
  SamplerOptions sampling;
  sampling.temperature = float(args.number("--temp", 0.0, 0.0, 100.0));
  sampling.top_k = uint32_t(args.integer("--top-k", 0, 0, 1 << 24));
  sampling.top_p = float(args.number("--top-p", 1.0, 0.0, 1.0));
  sampling.seed = uint64_t(args.integer("--seed", 0, 0, INT64_MAX));

  const SessionOptions options = session_options(args);
  auto model = Model::open(args.text("-m"));
  if (!model) return report_error(model.error().message());
  if (const std::string taken = apply_model_sampling_defaults(args, *model.value(), sampling); !taken.empty())
    std::fprintf(stderr, "sprig: %s\n", taken.c_str());
  std::fprintf(stderr, "sprig: %s | kernels %s, %u threads | model %s, %.2f MB of weights\n",
               cpu_features().describe().c_str(), kernels::active_kernels().name, options.threads,
               args.text("-m").c_str(), double(model.value()->weight_bytes()) / 1e6);
  auto session = Session::create(model.value(), options);
  if (!session) return report_error(session.error().message());
  log_backend(*session.value());

  const Tokenizer tokenizer(model.value()->vocab());
  std::vector<int32_t> prompt;
  tokenizer.encode(prompt_text, model.value()->vocab().add_bos, prompt);
  // The sampler and its copy of the logits work in the session's arena.
  Session& s = *session.value();
  Sampler sampler(sampling, tokenizer.vocab_size(), s.region(ArenaRegion::SamplerCandidates));
  const auto logits_region = s.region(ArenaRegion::SamplerLogits);
  const std::span<float> logits(reinterpret_cast<float*>(logits_region.data()), logits_region.size() / sizeof(float));

  if (args.has("--echo")) {
    std::fwrite(prompt_text.data(), 1, prompt_text.size(), stdout);
    std::fflush(stdout);
  }
  auto stats = generate(*session.value(), tokenizer, sampler, prompt, max_tokens, logits,
                        [](int32_t, std::string_view text) {
                          std::fwrite(text.data(), 1, text.size(), stdout);
                          std::fflush(stdout);
                          return true;
                        });
  if (!stats) return report_error(stats.error().message());
  std::fputc('\n', stderr);
  if (stats->stop == StopReason::ContextFull) std::fprintf(stderr, "sprig: stopped: the context is full\n");
  print_speed(stats.value());
  print_memory_usage(*session.value());
  return 0;
}

}  // namespace sprig::cli
