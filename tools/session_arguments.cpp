#include "session_arguments.h"

#include <cstdio>

#include "sprig/kernels.h"
#include "sprig/cpu_features.h"

namespace sprig::cli {

const std::set<std::string> kSessionOptionNames = {"-c", "-b", "-t", "--kv-cache", "--kernels", "--backend"};
const std::set<std::string> kSessionFlagNames = {"--track-memory"};
const char* kSessionOptionsUsage =
    "session:\n"
    "  -c, --ctx-size N      context length in tokens (default: the model's maximum)\n"
    "  -b, --batch-size N    prompt tokens per forward step (default 32)\n"
    "  -t, --threads N       threads (default: the performance cores)\n"
    "  --kv-cache T          KV cache type: f16 (default), int8 or f32\n"
    "  --kernels SET         force a kernel set (scalar, x86_avx2, ...; default: the best this CPU runs;\n"
    "                        also the SPRIG_KERNELS environment variable)\n"
    "  --backend B           who multiplies the matrices: sprig (default) or xnnpack (XNNPACK takes the f32\n"
    "                        matrices, f16 and quantized ones stay on sprig's kernels; docs/xnnpack.md)\n";

SessionOptions session_options(const Arguments& args, uint32_t default_context) {
  SessionOptions options;
  options.context_length = uint32_t(args.integer("-c", default_context, 0, 1 << 24));
  options.batch = uint32_t(args.integer("-b", options.batch, 1, 4096));
  const uint32_t cores = cpu_features().performance_cores;
  options.threads = uint32_t(args.integer("-t", cores ? cores : 1, 1, 256));
  if (args.has("--kernels") && !kernels::select_kernels(args.text("--kernels")))
    throw UsageError("--kernels: '" + args.text("--kernels") + "' is not a kernel set this CPU runs (it runs: " +
                     kernels::describe_supported_kernel_sets() + ")");
  if (args.has("--kv-cache")) {
    const auto type = parse_kv_cache_type(args.text("--kv-cache"));
    if (!type) throw UsageError("--kv-cache takes f16, int8 or f32, not '" + args.text("--kv-cache") + "'");
    options.kv_cache = *type;
  }
  if (args.has("--backend")) {
    const auto backend = parse_matmul_backend(args.text("--backend"));
    if (!backend) throw UsageError("--backend takes sprig or xnnpack, not '" + args.text("--backend") + "'");
    options.backend = *backend;
  }
  if (args.has("--track-memory")) options.track_memory = true;
  return options;
}

void log_backend(const Session& session) {
  if (session.plan().options.backend != MatmulBackend::Sprig)
    std::fprintf(stderr, "sprig: %s\n", session.backend_summary().c_str());
}

void print_memory_usage(const Session& session) {
  if (!session.plan().options.track_memory) return;
  const ArenaUsage usage = session.memory_usage();
  const SessionMemoryPlan& plan = session.plan();
  std::fprintf(stderr, "arena: %zu of %zu planned bytes used (%zu with alignment and guards); guards %s\n",
               usage.high_water_bytes, plan.total_bytes() - plan.padding_bytes - plan.guard_bytes, plan.total_bytes(),
               usage.guards_intact ? "intact" : "OVERWRITTEN");
  for (size_t r = 0; r < kArenaRegions; ++r)
    if (plan.region_bytes[r] > 0)
      std::fprintf(stderr, "  %-20s %12zu of %12zu bytes\n", arena_region_name(ArenaRegion(r)), usage.used_bytes[r],
                   plan.region_bytes[r]);
}

}  // namespace sprig::cli
