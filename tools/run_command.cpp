// sprig run: raw completion. stdout carries exactly the generated text (the prompt too with
// --echo); everything else goes to stderr.
#include <cstdio>
#include <string>
#include <vector>

#include "sprig/utf8_stream.h"

#include "arguments.h"
#include "commands.h"
#include "sprig/stop_strings.h"
#include "model_hint.h"
#include "sampling_arguments.h"
#include "sprig/kernels.h"
#include "sampling_defaults.h"
#include "session_arguments.h"
#include "sprig/cpu_features.h"
#include "sprig/generate.h"
#include "text_input.h"

namespace sprig::cli {

const char* kRunUsage =
    "usage: sprig run -m model.sprig [-p PROMPT | -f FILE] [-n TOKENS] [options]\n"
    "Completes a prompt: the generated text on stdout, the rest on stderr.\n"
    "  -m, --model FILE           the model, a .sprig file (a GGUF, llama2.c .bin or Hugging Face folder gets the\n"
    "                             sprig-convert command that makes one)\n"
    "  -p, --prompt TEXT          the prompt (default: empty, the text starts from BOS)\n"
    "  -f, --file FILE            read the prompt from FILE (-: stdin)\n"
    "  -n, --n-predict N          most tokens to generate (default 256)\n"
    "  -r, --reverse-prompt TEXT  stop when the text contains TEXT, which is not printed (may be repeated)\n"
    "  --ignore-eos               go on past the end-of-sequence token (until -n or the context ends)\n"
    "  --special                  control tokens written in the prompt (\"</s>\") become those tokens\n"
    "  --echo, --display-prompt   print the prompt before the completion\n"
    "  --no-display-prompt        do not print the prompt (the default)\n"
    "  --track-memory             paint the arena (all of it resident) and report each region's measured use\n";

int run_command(int argc, char** argv) {
  std::set<std::string> names = kSessionOptionNames;
  names.insert(kSamplingOptionNames.begin(), kSamplingOptionNames.end());
  names.insert({"-m", "-p", "-f", "-n", "-r"});
  std::set<std::string> flags = kSessionFlagNames;
  flags.insert({"--echo", "--no-display-prompt", "--ignore-eos", "--special"});
  const Arguments args(argc, argv, names, flags);
  if (!args.has("-m")) throw UsageError("-m MODEL is required");
  if (args.has("-p") && args.has("-f")) throw UsageError("give the prompt with -p or -f, not both");
  if (!args.positional().empty()) throw UsageError("unexpected argument '" + args.positional()[0] + "' (the prompt goes after -p)");
  const uint32_t max_tokens = uint32_t(args.integer("-n", 256, 0, 1 << 24));
  const std::vector<std::string> stops = args.all("-r");
  for (const std::string& stop : stops)
    if (stop.empty() || !is_utf8(stop)) throw UsageError("-r (--reverse-prompt) takes non-empty UTF-8 text");
  const bool echo = args.has("--echo") && !args.has("--no-display-prompt");
  // The defaults a model file may carry (its generation config) will replace recommended() here.
  SamplerOptions sampling = sampling_options(args, SamplerOptions::recommended());
  const SessionOptions options = session_options(args);

  if (auto hint = foreign_model_hint(args.text("-m"))) return report_error(*hint);
  std::string prompt_text = args.text("-p");
  if (args.has("-f")) {
    auto text = read_text_input(args.text("-f"));
    if (!text) return report_error(text.error().message());
    prompt_text = std::move(text.value());
  }
  auto model = Model::open(args.text("-m"));
  if (!model) return report_error(model.error().message());
  if (const std::string taken = apply_model_sampling_defaults(args, *model.value(), sampling); !taken.empty())
    std::fprintf(stderr, "sprig: %s\n", taken.c_str());
  std::fprintf(stderr, "sprig: %s | kernels %s, %u threads | model %s, %.2f MB of weights\n",
               cpu_features().describe().c_str(), kernels::active_kernel_set_name(), options.threads,
               args.text("-m").c_str(), double(model.value()->weight_bytes()) / 1e6);
  auto session = Session::create(model.value(), options);
  if (!session) return report_error(session.error().message());
  log_backend(*session.value());

  const Tokenizer tokenizer(model.value()->vocab());
  if (args.has("--ignore-eos")) sampling.suppressed_token = tokenizer.eos_id();
  log_sampling(sampling);
  std::vector<int32_t> prompt;
  EncodeOptions encode;
  encode.add_bos = model.value()->vocab().add_bos;
  encode.parse_special = args.has("--special");
  Tokenizer::Workspace workspace;
  tokenizer.encode(prompt_text, encode, prompt, workspace);
  // The sampler and its copy of the logits work in the session's arena.
  Session& s = *session.value();
  Sampler sampler(sampling, tokenizer.vocab_size(), s.region(ArenaRegion::SamplerCandidates));
  const auto logits_region = s.region(ArenaRegion::SamplerLogits);
  const std::span<float> logits(reinterpret_cast<float*>(logits_region.data()), logits_region.size() / sizeof(float));

  if (echo) {
    // As the reply is written: whole UTF-8, invalid bytes as U+FFFD.
    std::string echoed;
    Utf8Stream stream;
    stream.push(prompt_text, echoed);
    stream.finish(echoed);
    std::fwrite(echoed.data(), 1, echoed.size(), stdout);
    std::fflush(stdout);
  }
  StopStrings stop(stops);
  bool stopped_by_text = false;
  std::string shown;
  auto print = [](const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  };
  auto stats = generate(*session.value(), tokenizer, sampler, prompt, max_tokens, logits,
                        [&](int32_t, std::string_view text) {
                          if (stopped_by_text) return false;
                          shown.clear();
                          stopped_by_text = stop.push(text, shown);
                          print(shown);
                          return !stopped_by_text;
                        });
  if (!stats) return report_error(stats.error().message());
  shown.clear();
  stop.finish(shown);
  print(shown);
  std::fputc('\n', stderr);
  if (stopped_by_text) std::fprintf(stderr, "sprig: stopped: a reverse prompt (-r) came\n");
  if (stats->stop == StopReason::ContextFull) std::fprintf(stderr, "sprig: stopped: the context is full\n");
  print_speed(stats.value());
  print_memory_usage(*session.value());
  return 0;
}

}  // namespace sprig::cli
