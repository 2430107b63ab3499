#include "session_arguments.h"

namespace sprig::cli {

const std::set<std::string> kSessionOptionNames = {"-c", "-b", "-t", "--kv-cache"};
const char* kSessionOptionsUsage =
    "  -c CONTEXT      context length in tokens (default: the model's maximum)\n"
    "  -b BATCH        prompt tokens per forward step (default 32)\n"
    "  -t THREADS      worker threads (default 1)\n"
    "  --kv-cache T    KV cache type: f16 (default), int8 or f32\n";

SessionOptions session_options(const Arguments& args, uint32_t default_context) {
  SessionOptions options;
  options.context_length = uint32_t(args.integer("-c", default_context, 0, 1 << 24));
  options.batch = uint32_t(args.integer("-b", options.batch, 1, 4096));
  options.threads = uint32_t(args.integer("-t", options.threads, 1, 256));
  if (args.has("--kv-cache")) {
    const auto type = parse_kv_cache_type(args.text("--kv-cache"));
    if (!type) throw UsageError("--kv-cache takes f16, int8 or f32, not '" + args.text("--kv-cache") + "'");
    options.kv_cache = *type;
  }
  return options;
}

}  // namespace sprig::cli
