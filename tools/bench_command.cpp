// sprig bench: prompt processing and generation speed, llama-bench style, beside this machine's
// decode ceiling (read bandwidth / weight bytes read per token, measured in the same run).
#include <pthreadpool.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "../bench/bandwidth_probe.h"
#include "sprig/kernels.h"
#include "arguments.h"
#include "commands.h"
#include "sprig/cpu_features.h"
#include "sprig/session.h"
#include "sprig/tensor_format.h"

namespace sprig::cli {

const char* kBenchUsage =
    "usage: sprig bench -m model.sprig [-p 128,512] [-n 128] [-t 1,2] [-r 5] [-b BATCH] [--kv-cache T]\n"
    "                   [--kernels SET] [--backend sprig,xnnpack] [--json]\n"
    "Prefill and decode speed beside the machine's memory-bandwidth ceiling (llama-bench's options).\n"
    "  -m, --model FILE           the model (.sprig)\n"
    "  -p, --n-prompt N,...       prompt lengths (pp: prefill tokens/s and time to first token; default 128)\n"
    "  -n, --n-gen N              tokens generated one by one (tg: decode tokens/s; default 128)\n"
    "  -t, --threads N,...        thread counts (default: the performance cores); each row also shows the decode\n"
    "                             ceiling from the measured read bandwidth\n"
    "  -r, --repetitions N        repetitions of every test (default 5): tokens/s is their mean +- standard\n"
    "                             deviation; each tg repetition is bracketed by read-bandwidth probes, and \"of\n"
    "                             ceiling\" is the median of the repetitions' own fractions\n"
    "  -b, --batch-size N         prompt tokens per forward step (default 128)\n"
    "  --kv-cache T               KV cache type: f16 (default), int8 or f32\n"
    "  --kernels SET              force a kernel set (default: the best this CPU runs)\n"
    "  --backend B,...            sprig (default), xnnpack, or both to compare\n"
    "  --json                     one JSON array of rows instead of the table\n";

namespace {

using Clock = std::chrono::steady_clock;

std::vector<uint32_t> parse_list(const std::string& text, const char* option) {
  std::vector<uint32_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      const unsigned long value = std::stoul(item);
      if (value == 0 || value > 65536) throw std::out_of_range(item);
      out.push_back(uint32_t(value));
    } catch (const std::exception&) {
      throw UsageError(std::string(option) + " takes positive numbers separated by commas, not '" + text + "'");
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Bytes of weights one decode step reads: every matrix whole (the output head too, even when it
// is the tied embedding table), every norm and bias vector present, the embedding table one row.
// Learned position embeddings (one row) are left out: one row of a table, like the token's.
size_t weight_bytes_per_token(const Model& model) {
  auto bytes = [](const TensorView& t) {
    return t.data ? size_t(tensor_layout(t.dtype, t.rows, t.cols, t.group).total_bytes) : size_t(0);
  };
  size_t total = 0;
  for (const LayerWeights& l : model.layers())
    for (const TensorView* t : {&l.attn_norm, &l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_norm, &l.w_gate, &l.w_up, &l.w_down,
                                &l.attn_norm_bias, &l.ffn_norm_bias, &l.bq, &l.bk, &l.bv, &l.bo, &l.b_up, &l.b_down,
                                &l.q_norm, &l.k_norm, &l.attn_post_norm, &l.ffn_post_norm})
      total += bytes(*t);
  total += bytes(model.output_norm()) + bytes(model.output_norm_bias()) + bytes(model.output());
  total += bytes(model.token_embedding()) / std::max<uint64_t>(1, model.token_embedding().rows);
  return total;
}

// KV-cache bytes the attention of one decode step reads at `position`: keys and values of every
// cached position (this one included) in every layer, with the int8 cache's scales. Counted in
// the ceiling because they are read on every token like the weights and grow with the context
// (at tg128 they are 0.3% of the 1B model's bytes, 2% of SmolLM2-135M's); sliding-window layers
// are counted whole, which overstates them only past the window.
size_t kv_bytes_at(const Model& model, KvCacheType type, size_t position) {
  const Hyperparameters& h = model.hparams();
  const size_t element = type == KvCacheType::F32 ? 4 : type == KvCacheType::F16 ? 2 : 1;
  const size_t per_position = h.kv_dim() * element + (type == KvCacheType::Int8 ? h.n_kv_heads * sizeof(float) : 0);
  return size_t(h.n_layers) * 2 * (position + 1) * per_position;
}

// Read bandwidth with `threads` threads. The pool lives only for the probe: idle pthreadpool
// workers spin for a while after each region, and would take cores from the session's.
double probe_gbps(uint32_t threads) {
  pthreadpool* pool = threads > 1 ? pthreadpool_create(threads) : nullptr;
  const double gbps = bench::read_bandwidth_gbps(pool, threads, size_t(1) << 28, 3);
  if (pool) pthreadpool_destroy(pool);
  return gbps;
}

// Mean and sample standard deviation.
struct Spread {
  double mean = 0, deviation = 0;
};

Spread spread(const std::vector<double>& values) {
  Spread s;
  for (double v : values) s.mean += v / double(values.size());
  if (values.size() < 2) return s;
  double squares = 0;
  for (double v : values) squares += (v - s.mean) * (v - s.mean);
  s.deviation = std::sqrt(squares / double(values.size() - 1));
  return s;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::vector<int32_t> some_tokens(size_t n, uint32_t vocab) {
  std::vector<int32_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = int32_t((i * 7919 + 13) % vocab);
  return ids;
}

}  // namespace

int bench_command(int argc, char** argv) {
  // llama-bench's spellings (its -p and -n are counts, not a prompt).
  static const std::map<std::string, std::string> kBenchAliases = {
      {"--model", "-m"}, {"--n-prompt", "-p"}, {"--n-gen", "-n"}, {"--threads", "-t"}, {"--repetitions", "-r"},
      {"--batch-size", "-b"}};
  const Arguments args(argc, argv, {"-m", "-p", "-n", "-t", "-r", "-b", "--kv-cache", "--kernels", "--backend"},
                       {"--json"}, kBenchAliases);
  if (!args.has("-m")) throw UsageError("-m MODEL is required");
  const auto prompts = parse_list(args.text("-p", "128"), "-p");
  const uint32_t generate = uint32_t(args.integer("-n", 128, 0, 1 << 20));
  const size_t repetitions = size_t(args.integer("-r", 5, 1, 1000));
  const uint32_t cores = cpu_features().performance_cores ? cpu_features().performance_cores : 1;
  const auto threads = parse_list(args.text("-t", std::to_string(cores)), "-t");
  const bool json = args.has("--json");
  SessionOptions base;
  base.batch = uint32_t(args.integer("-b", 128, 1, 4096));
  if (args.has("--kv-cache")) {
    const auto type = parse_kv_cache_type(args.text("--kv-cache"));
    if (!type) throw UsageError("--kv-cache takes f16, int8 or f32");
    base.kv_cache = *type;
  }
  if (args.has("--kernels") && !kernels::select_kernels(args.text("--kernels")))
    throw UsageError("--kernels: '" + args.text("--kernels") + "' is not a kernel set this CPU runs (it runs: " +
                     kernels::describe_supported_kernel_sets() + ")");

  // Several backends side by side in one run: their ratios are what a loaded machine can measure.
  std::vector<MatmulBackend> backends;
  for (size_t start = 0, comma = 0; comma != std::string::npos; start = comma + 1) {
    const std::string list = args.text("--backend", matmul_backend_name(base.backend));
    comma = list.find(',', start);
    const auto backend = parse_matmul_backend(list.substr(start, comma - start));
    if (!backend) throw UsageError("--backend takes sprig or xnnpack, or both: sprig,xnnpack");
    backends.push_back(*backend);
  }

  auto model = Model::open(args.text("-m"));
  if (!model) return report_error(model.error().message());
  const Model& m = *model.value();
  const size_t weight_bytes = weight_bytes_per_token(m);
  // The tg run decodes positions 1..generate (position 0 warms): the mean KV bytes over them.
  // They are printed but left out of the ceiling, which is defined by the weights alone (the
  // stricter yardstick; at tg128 the cache is under 2% of the weights of the shapes benchmarked).
  size_t kv_bytes = 0;
  for (uint32_t p = 1; p <= generate; ++p) kv_bytes += kv_bytes_at(m, base.kv_cache, p);
  if (generate > 0) kv_bytes /= generate;
  const size_t per_token = weight_bytes;
  const char* kernel_set = kernels::active_kernel_set_name();
  uint32_t longest = generate;
  for (uint32_t p : prompts) longest = std::max(longest, p + generate);
  base.context_length = std::min<uint32_t>(m.hparams().max_positions, longest + 1);

  if (!json) {
    std::printf("cpu: %s\nmodel: %s, %.1f MB of weights; read per decoded token: %.1f MB of weights (the ceiling's "
                "bytes) + %.2f MB of %s KV cache (mean over tg%u); kernels %s\n\n",
                cpu_features().describe().c_str(), args.text("-m").c_str(), m.weight_bytes() / 1e6,
                weight_bytes / 1e6, kv_bytes / 1e6, kv_cache_type_name(base.kv_cache), generate, kernel_set);
    std::printf("| backend | threads | test | tokens/s (mean ± sd) | ms to first token | GOPS | read GB/s "
                "| ceiling tok/s | of ceiling |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|\n");
  } else {
    std::printf("[\n");
  }
  bool first_row = true;
  MatmulBackend backend = backends.front();
  // One table row. `fraction` is the share of the decode ceiling reached (tg rows only, else 0).
  auto row = [&](uint32_t t, const std::string& test, Spread rate, double ttft_ms, double gops, double gbps,
                 double ceiling, double fraction) {
    if (json) {
      std::printf("%s  {\"model\": \"%s\", \"kernels\": \"%s\", \"backend\": \"%s\", \"threads\": %u, "
                  "\"test\": \"%s\", \"repetitions\": %zu, \"tokens_per_s\": %.3f, \"tokens_per_s_sd\": %.3f, "
                  "\"ttft_ms\": %.3f, \"gops\": %.3f, \"read_gbps\": %.3f, \"ceiling_tokens_per_s\": %.3f, "
                  "\"of_ceiling\": %.4f}",
                  first_row ? "" : ",\n", args.text("-m").c_str(), kernel_set, matmul_backend_name(backend), t,
                  test.c_str(), repetitions, rate.mean, rate.deviation, ttft_ms, gops, gbps, ceiling, fraction);
    } else {
      auto cell = [](double v, const char* format) {
        if (v <= 0) return std::string("");
        char text[32];
        std::snprintf(text, sizeof text, format, v);
        return std::string(text);
      };
      std::printf("| %s | %u | %s | %.2f ± %.2f | %s | %s | %.1f | %s | %s |\n", matmul_backend_name(backend), t,
                  test.c_str(), rate.mean, rate.deviation, cell(ttft_ms, "%.1f").c_str(), cell(gops, "%.1f").c_str(),
                  gbps, cell(ceiling, "%.2f").c_str(), cell(100 * fraction, "%.0f%%").c_str());
    }
    first_row = false;
    std::fflush(stdout);
  };

  // Multiply-adds per token in the matrices, for prefill GOPS (2 ops each).
  double macs_per_token = 0;
  for (const LayerWeights& l : m.layers())
    for (const TensorView* t : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down})
      macs_per_token += double(t->rows) * double(t->cols);

  auto seconds_since = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  for (uint32_t t : threads) {
    std::vector<double> probes{probe_gbps(t)};
    for (MatmulBackend b : backends) {
      backend = b;
      SessionOptions options = base;
      options.threads = t;
      options.backend = b;
      auto session = Session::create(model.value(), options);
      if (!session) return report_error(session.error().message());
      Session& s = *session.value();
      if (!json) std::fprintf(stderr, "sprig: %s\n", s.backend_summary().c_str());
      for (uint32_t p : prompts) {
        const auto tokens = some_tokens(p, m.hparams().vocab_size);
        s.reset();
        (void)s.prefill(std::span(tokens).first(std::min<size_t>(tokens.size(), 8)));  // warm the pages and caches
        std::vector<double> rates, ttfts;
        for (size_t r = 0; r < repetitions; ++r) {
          s.reset();
          const auto start = Clock::now();
          if (Status st = s.prefill(tokens); !st) return report_error(st.message());
          const double seconds = seconds_since(start);
          rates.push_back(p / seconds);
          ttfts.push_back(seconds * 1e3);
        }
        const Spread rate = spread(rates);
        row(t, "pp" + std::to_string(p), rate, spread(ttfts).mean, 2.0 * macs_per_token * rate.mean / 1e9,
            spread(probes).mean, 0, 0);
      }
      if (generate > 0) {
        // Neighbours on a shared machine move both the bandwidth and the decode speed within
        // seconds, so each repetition is measured against the probes on either side of it.
        const auto tokens = some_tokens(generate + 1, m.hparams().vocab_size);
        std::vector<double> rates, fractions;
        for (size_t r = 0; r < repetitions; ++r) {
          s.reset();
          if (Status st = s.decode(tokens[0]); !st) return report_error(st.message());  // warm
          if (r == 0) probes.push_back(probe_gbps(t));  // the prefill runs came between
          const double before = probes.back();
          const auto start = Clock::now();
          for (uint32_t i = 1; i <= generate; ++i)
            if (Status st = s.decode(tokens[i]); !st) return report_error(st.message());
          rates.push_back(generate / seconds_since(start));
          probes.push_back(probe_gbps(t));
          fractions.push_back(rates.back() / ((before + probes.back()) / 2 * 1e9 / double(per_token)));
        }
        const double gbps = spread(probes).mean;
        row(t, "tg" + std::to_string(generate), spread(rates), 0, 0, gbps, gbps * 1e9 / double(per_token),
            median(fractions));
      }
    }
  }
  if (json) std::printf("\n]\n");
  return 0;
}

}  // namespace sprig::cli
