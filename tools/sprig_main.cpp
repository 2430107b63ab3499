// sprig: the device-side command line.
#include <cstdio>
#include <cstring>
#include <string>

#include "arguments.h"
#include "commands.h"
#include "sampling_arguments.h"
#include "session_arguments.h"

namespace sprig::cli {

int report_error(const std::string& message) {
  std::fprintf(stderr, "sprig: error: %s\n", message.c_str());
  return 1;
}

void print_speed(const GenerationStats& stats) {
  auto rate = [](uint32_t tokens, double seconds) { return seconds > 0 ? tokens / seconds : 0.0; };
  std::fprintf(stderr, "prompt: %u tokens, %.1f tokens/s | generated: %u tokens, %.1f tokens/s\n",
               stats.prompt_tokens, rate(stats.prompt_tokens, stats.prompt_seconds), stats.generated_tokens,
               rate(stats.generated_tokens, stats.generation_seconds));
}

}  // namespace sprig::cli

namespace {

using namespace sprig::cli;

const char* kUsage =
    "usage: sprig <command> [options]      (sprig <command> --help, or sprig help <command>, for its options)\n"
    "  run         complete a prompt with a model\n"
    "  chat        talk with a chat-tuned model (interactive, or --conversation FILE)\n"
    "  probs       show the most likely next tokens and their probabilities\n"
    "  plan        print the memory a session needs\n"
    "  tokenize    show the tokens of a text\n"
    "  perplexity  score a text, or compare a model's predictions with a base model's\n"
    "  bench       prefill and decode speed beside the machine's memory-bandwidth ceiling\n"
    "  serve       an OpenAI-compatible HTTP server with a chat page\n"
    "  help CMD    the options of CMD\n"
    "  --version   sprig's version\n";

struct Command {
  const char* name;
  int (*run)(int argc, char** argv, const char* argv0);
  const char* usage;
  bool sampling, session;  // whether the shared sampling and session options apply
};

const Command* find_command(const std::string& name) {
  static const Command kCommands[] = {
      {"run", [](int c, char** v, const char*) { return run_command(c, v); }, kRunUsage, true, true},
      {"chat", [](int c, char** v, const char*) { return chat_command(c, v); }, kChatUsage, true, true},
      {"probs", [](int c, char** v, const char*) { return probs_command(c, v); }, kProbsUsage, false, true},
      {"plan", [](int c, char** v, const char*) { return plan_command(c, v); }, kPlanUsage, false, true},
      {"tokenize", tokenize_command, kTokenizeUsage, false, false},
      {"perplexity", [](int c, char** v, const char*) { return perplexity_command(c, v); }, kPerplexityUsage, false,
       true},
      {"bench", [](int c, char** v, const char*) { return bench_command(c, v); }, kBenchUsage, false, false},
      {"serve", [](int c, char** v, const char*) { return serve_command(c, v); }, kServeUsage, false, false},
  };
  for (const Command& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

std::string full_usage(const Command& c) {
  std::string text = c.usage;
  if (c.sampling) text += kSamplingOptionsUsage;
  if (c.session) text += kSessionOptionsUsage;
  return text + "common:\n" + kCommonUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string name = argv[1];
  if (name == "-h" || name == "--help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (name == "--version" || name == "version") {
    std::printf("sprig %s\n", SPRIG_VERSION);
    return 0;
  }
  if (name == "help") {
    if (argc < 3) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    const Command* c = find_command(argv[2]);
    if (!c) {
      std::fprintf(stderr, "sprig: unknown command '%s'\n%s", argv[2], kUsage);
      return 2;
    }
    std::fputs(full_usage(*c).c_str(), stdout);
    return 0;
  }
  const Command* command = find_command(name);
  if (!command) {
    std::fprintf(stderr, "sprig: unknown command '%s'\n%s", name.c_str(), kUsage);
    return 2;
  }
  try {
    return command->run(argc - 2, argv + 2, argv[0]);
  } catch (const HelpRequested&) {
    std::fputs(full_usage(*command).c_str(), stdout);
    return 0;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "sprig %s: %s\n(sprig %s --help lists the options)\n", name.c_str(), e.what(), name.c_str());
    return 2;
  }
}
