// The subcommands of the sprig command line and what they share.
#pragma once

#include <string>

#include "sprig/generate.h"

namespace sprig::cli {

int run_command(int argc, char** argv);
int plan_command(int argc, char** argv);
int tokenize_command(int argc, char** argv, const char* argv0);
int perplexity_command(int argc, char** argv);
int probs_command(int argc, char** argv);
int chat_command(int argc, char** argv);
int bench_command(int argc, char** argv);
int serve_command(int argc, char** argv);  // tools/serve/
extern const char* kRunUsage;
extern const char* kPlanUsage;
extern const char* kTokenizeUsage;
extern const char* kPerplexityUsage;
extern const char* kProbsUsage;
extern const char* kChatUsage;
extern const char* kBenchUsage;
extern const char* kServeUsage;

// Prints "sprig: error: ..." to stderr and returns the exit status for failures.
int report_error(const std::string& message);
void print_speed(const GenerationStats& stats);

}  // namespace sprig::cli
