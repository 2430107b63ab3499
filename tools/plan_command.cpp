// sprig plan: how much memory a session needs, computed before anything is allocated.
#include <cstdio>

#include "arguments.h"
#include "commands.h"

namespace sprig::cli {

const char* kPlanUsage = "usage: sprig plan -m model.sprig [-c CONTEXT]\n";

int plan_command(int argc, char** argv) {
  const Arguments args(argc, argv, {"-m", "-c"}, {});
  if (!args.has("-m")) throw UsageError("-m MODEL is required");
  auto model = Model::open(args.text("-m"));
  if (!model) return report_error(model.error().message());
  SessionOptions options;
  options.context_length = uint32_t(args.integer("-c", 0, 0, 1 << 24));
  auto plan = plan_session_memory(*model.value(), options);
  if (!plan) return report_error(plan.error().message());
  auto mib = [](size_t bytes) { return double(bytes) / (1024.0 * 1024.0); };
  const SessionMemoryPlan& p = plan.value();
  std::printf("context       %10u tokens\n", p.context_length);
  std::printf("weights       %10.2f MiB  (mapped from the file, shared by sessions)\n",
              mib(model.value()->weight_bytes()));
  std::printf("kv cache      %10.2f MiB\n", mib(p.kv_cache_bytes));
  std::printf("activations   %10.2f MiB\n", mib(p.activation_bytes));
  std::printf("logits        %10.2f MiB\n", mib(p.logits_bytes));
  std::printf("session total %10.2f MiB  (%zu bytes)\n", mib(p.total_bytes()), p.total_bytes());
  return 0;
}

}  // namespace sprig::cli
