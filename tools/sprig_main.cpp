// sprig: the device-side command line.
#include <cstdio>
#include <cstring>
#include <string>

#include "arguments.h"
#include "commands.h"

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

const char* command_usage(const std::string& command, const char* fallback) {
  using namespace sprig::cli;
  if (command == "run") return kRunUsage;
  if (command == "plan") return kPlanUsage;
  if (command == "tokenize") return kTokenizeUsage;
  if (command == "perplexity") return kPerplexityUsage;
  if (command == "probs") return kProbsUsage;
  if (command == "chat") return kChatUsage;
  if (command == "bench") return kBenchUsage;
  if (command == "serve") return kServeUsage;
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sprig::cli;
  const char* usage = "usage: sprig <command> [options]\n"
      "  run       complete a prompt with a model\n"
      "  chat      talk with a chat-tuned model (interactive, or --conversation FILE)\n"
      "  probs     show the most likely next tokens and their probabilities\n"
      "  plan      print the memory a session needs\n"
      "  tokenize  show the tokens of a text\n"
      "  perplexity  score a text, or compare a model's predictions with a base model's\n"
      "  bench     prefill and decode speed beside the machine's memory-bandwidth ceiling\n"
      "  serve     an OpenAI-compatible HTTP server with a chat page\n";
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
    std::fputs(usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  try {
    if (command == "run") return run_command(argc - 2, argv + 2);
    if (command == "plan") return plan_command(argc - 2, argv + 2);
    if (command == "tokenize") return tokenize_command(argc - 2, argv + 2, argv[0]);
    if (command == "perplexity") return perplexity_command(argc - 2, argv + 2);
    if (command == "probs") return probs_command(argc - 2, argv + 2);
    if (command == "chat") return chat_command(argc - 2, argv + 2);
    if (command == "bench") return bench_command(argc - 2, argv + 2);
    if (command == "serve") return serve_command(argc - 2, argv + 2);
    std::fprintf(stderr, "sprig: unknown command '%s'\n%s", command.c_str(), usage);
    return 2;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "sprig %s: %s\n%s", command.c_str(), e.what(), command_usage(command, usage));
    return 2;
  }
}
