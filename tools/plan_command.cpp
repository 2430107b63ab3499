// sprig plan: how much memory a session needs, computed before anything is allocated.
#include <cstdio>

#include "arguments.h"
#include "commands.h"
#include "session_arguments.h"

namespace sprig::cli {

const char* kPlanUsage =
    "usage: sprig plan -m model.sprig [--json] [options]\n"
    "Prints the memory a session needs, computed before anything is allocated.\n"
    "  -m, --model FILE      the model (.sprig)\n"
    "  --json                one JSON object (bytes) instead of the table (MiB)\n";

int plan_command(int argc, char** argv) {
  std::set<std::string> names = kSessionOptionNames;
  names.insert("-m");
  const Arguments args(argc, argv, names, {"--json"});
  if (!args.has("-m")) throw UsageError("-m MODEL is required");
  const SessionOptions options = session_options(args);
  auto model = Model::open(args.text("-m"));
  if (!model) return report_error(model.error().message());
  auto plan = plan_session_memory(*model.value(), options);
  if (!plan) return report_error(plan.error().message());
  auto mib = [](size_t bytes) { return double(bytes) / (1024.0 * 1024.0); };
  const SessionMemoryPlan& p = plan.value();
  if (args.has("--json")) {
    std::printf("{\"context_tokens\": %u, \"batch\": %u, \"threads\": %u, \"kv_cache_type\": \"%s\", "
                "\"backend\": \"%s\", \"weights_bytes\": %zu, \"kv_cache_bytes\": %zu, \"activation_bytes\": %zu, "
                "\"scratch_bytes\": %zu, \"sampler_bytes\": %zu, \"text_bytes\": %zu, \"backend_bytes\": %zu, "
                "\"other_bytes\": %zu, \"session_bytes\": %zu}\n",
                p.context_length, p.options.batch, p.options.threads, kv_cache_type_name(p.options.kv_cache),
                p.options.backend == MatmulBackend::Xnnpack ? "xnnpack" : "sprig", size_t(model.value()->weight_bytes()),
                size_t(p.kv_cache_bytes), size_t(p.activation_bytes), size_t(p.scratch_bytes), size_t(p.sampler_bytes),
                size_t(p.text_bytes), size_t(p.backend_bytes), size_t(p.state_bytes + p.padding_bytes + p.guard_bytes),
                size_t(p.total_bytes()));
    return 0;
  }
  std::printf("context       %10u tokens, batch %u, %u thread%s, %s KV cache\n", p.context_length, p.options.batch,
              p.options.threads, p.options.threads == 1 ? "" : "s", kv_cache_type_name(p.options.kv_cache));
  std::printf("weights       %10.2f MiB  (mapped from the file, shared by sessions)\n",
              mib(model.value()->weight_bytes()));
  std::printf("kv cache      %10.2f MiB\n", mib(p.kv_cache_bytes));
  std::printf("activations   %10.2f MiB  ([batch x width] buffers and the logits)\n", mib(p.activation_bytes));
  std::printf("scratch       %10.2f MiB  (quantized matmul inputs, attention scores per thread)\n",
              mib(p.scratch_bytes));
  std::printf("sampler       %10.2f MiB\n", mib(p.sampler_bytes));
  std::printf("text          %10.2f MiB  (token ids, tokenizer workspace for %u bytes, detokenized text)\n",
              mib(p.text_bytes), p.options.max_text_bytes);
  if (p.options.backend == MatmulBackend::Xnnpack)
    std::printf("xnnpack       %10.2f MiB  (XNNPACK's operators and packed copy of the f32 matrices)\n",
                mib(p.backend_bytes));
  std::printf("other         %10.2f MiB  (session state, alignment%s)\n",
              mib(p.state_bytes + p.padding_bytes + p.guard_bytes), p.guard_bytes ? ", guards" : "");
  std::printf("session total %10.2f MiB  (%zu bytes)\n", mib(p.total_bytes()), p.total_bytes());
  return 0;
}

}  // namespace sprig::cli
