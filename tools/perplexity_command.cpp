// sprig perplexity: how well a model predicts a text, and with --kl-base how far a (quantized)
// model's next-token distributions are from a base model's on the same text: mean and 99th
// percentile KL divergence and top-1 agreement, the figures llama.cpp's perplexity tool reports.
//
// As there, the text is cut into windows of the context length, each window starts with BOS,
// and only the second half of each window is scored, so every scored token has at least half a
// window of context.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "arguments.h"
#include "commands.h"
#include "session_arguments.h"

namespace sprig::cli {

const char* kPerplexityUsage =
    "usage: sprig perplexity -m model.sprig -f text.txt [--kl-base base.sprig] [--json] [options]\n"
    "Scores a text: its perplexity under the model, or how far the model's predictions are from a base model's.\n"
    "  -m, --model FILE      the model (.sprig)\n"
    "  -f, --file FILE       the text to score (required)\n"
    "  --kl-base FILE        also the KL divergence and top-token agreement against this base model\n"
    "  --base-kv-cache T     the base session's KV cache type (default: --kv-cache's; f32 against the same\n"
    "                        model measures the KV cache's own loss)\n"
    "  --json                one JSON object instead of the text report\n";

namespace {

// log softmax into `out`, in double for a reference-quality sum.
void log_softmax(std::span<const float> logits, std::vector<double>& out) {
  const double max = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l) - max);
  const double log_sum = max + std::log(sum);
  out.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) out[i] = double(logits[i]) - log_sum;
}

struct Scores {
  double negative_log_likelihood = 0;
  double base_negative_log_likelihood = 0;
  std::vector<double> kl;  // per scored token, with a base model
  size_t top1_agreements = 0;
  size_t tokens = 0;
};

std::shared_ptr<const Model> open_or_report(const std::string& path) {
  auto model = Model::open(path);
  if (!model) {
    report_error(model.error().message());
    return nullptr;
  }
  return model.value();
}

}  // namespace

int perplexity_command(int argc, char** argv) {
  std::set<std::string> names = kSessionOptionNames;
  names.insert({"-m", "-f", "--kl-base", "--base-kv-cache"});
  const Arguments args(argc, argv, names, {"--json"});
  if (!args.has("-m") || !args.has("-f")) throw UsageError("-m MODEL and -f TEXT are required");
  std::ifstream in(args.text("-f"), std::ios::binary);
  if (!in) return report_error(args.text("-f") + ": cannot open");
  std::stringstream buffer;
  buffer << in.rdbuf();

  const auto model = open_or_report(args.text("-m"));
  if (!model) return 1;
  std::shared_ptr<const Model> base;
  if (args.has("--kl-base")) {
    base = open_or_report(args.text("--kl-base"));
    if (!base) return 1;
    if (base->hparams().vocab_size != model->hparams().vocab_size)
      return report_error("the base model's vocabulary differs from the model's");
  }
  const uint32_t context = uint32_t(args.integer("-c", std::min<uint32_t>(512, model->hparams().max_positions), 4,
                                                 model->hparams().max_positions));
  SessionOptions options = session_options(args);
  options.context_length = context;
  auto session = Session::create(model, options);
  if (!session) return report_error(session.error().message());
  log_backend(*session.value());
  Session::Ptr base_session;
  if (base) {
    SessionOptions base_options = options;
    if (args.has("--base-kv-cache")) {
      const auto type = parse_kv_cache_type(args.text("--base-kv-cache"));
      if (!type) throw UsageError("--base-kv-cache takes f16, int8 or f32");
      base_options.kv_cache = *type;
    }
    auto created = Session::create(base, base_options);
    if (!created) return report_error(created.error().message());
    base_session = std::move(created.value());
  }

  const Tokenizer tokenizer(model->vocab());
  std::vector<int32_t> tokens;
  tokenizer.encode(buffer.str(), false, tokens);
  const size_t windows = tokens.size() / context;
  if (windows == 0)
    return report_error("the text has " + std::to_string(tokens.size()) + " tokens, fewer than one window of " +
                        std::to_string(context) + "; pass a smaller -c");

  Scores scores;
  std::vector<double> log_probs, base_log_probs;
  for (size_t w = 0; w < windows; ++w) {
    session.value()->reset();
    if (base_session) base_session->reset();
    const int32_t* window = tokens.data() + w * context;
    for (uint32_t i = 0; i + 1 < context; ++i) {
      const int32_t token = i == 0 && tokenizer.bos_id() >= 0 ? tokenizer.bos_id() : window[i];
      if (Status s = session.value()->decode(token); !s) return report_error(s.message());
      if (base_session)
        if (Status s = base_session->decode(token); !s) return report_error(s.message());
      if (i < context / 2) continue;
      const int32_t next = window[i + 1];
      log_softmax(session.value()->logits(), log_probs);
      scores.negative_log_likelihood -= log_probs[size_t(next)];
      ++scores.tokens;
      if (!base_session) continue;
      log_softmax(base_session->logits(), base_log_probs);
      scores.base_negative_log_likelihood -= base_log_probs[size_t(next)];
      double kl = 0;
      for (size_t v = 0; v < log_probs.size(); ++v)
        kl += std::exp(base_log_probs[v]) * (base_log_probs[v] - log_probs[v]);
      scores.kl.push_back(std::max(0.0, kl));
      const auto top = [](const std::vector<double>& p) { return std::max_element(p.begin(), p.end()) - p.begin(); };
      scores.top1_agreements += top(log_probs) == top(base_log_probs);
    }
  }

  const double perplexity = std::exp(scores.negative_log_likelihood / double(scores.tokens));
  double mean_kl = 0, p99_kl = 0, base_perplexity = 0, agreement = 0;
  if (base_session) {
    for (double kl : scores.kl) mean_kl += kl / double(scores.kl.size());
    std::vector<double> sorted = scores.kl;
    std::sort(sorted.begin(), sorted.end());
    p99_kl = sorted[std::min(sorted.size() - 1, size_t(std::ceil(0.99 * double(sorted.size()))) - 1)];
    base_perplexity = std::exp(scores.base_negative_log_likelihood / double(scores.tokens));
    agreement = double(scores.top1_agreements) / double(scores.tokens);
  }
  if (args.has("--json")) {
    std::printf("{\"tokens\": %zu, \"windows\": %zu, \"context\": %u, \"perplexity\": %.6f", scores.tokens, windows,
                context, perplexity);
    if (base_session)
      std::printf(", \"base_perplexity\": %.6f, \"kl_mean\": %.6g, \"kl_p99\": %.6g, \"top1_agreement\": %.6f",
                  base_perplexity, mean_kl, p99_kl, agreement);
    std::printf("}\n");
    return 0;
  }
  std::printf("perplexity %.4f over %zu scored tokens (%zu windows of %u)\n", perplexity, scores.tokens, windows,
              context);
  if (base_session)
    std::printf("vs base (perplexity %.4f): KL divergence mean %.6f, p99 %.6f; top-1 agreement %.2f%%\n",
                base_perplexity, mean_kl, p99_kl, 100 * agreement);
  return 0;
}

}  // namespace sprig::cli
