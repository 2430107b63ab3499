// sprig probs: the model's next-token distribution after a prompt, as the top-k tokens with
// their probabilities; with --steps a greedy walk that shows the distribution at every step.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <vector>

#include "arguments.h"
#include "commands.h"
#include "json_text.h"
#include "session_arguments.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"

namespace sprig::cli {

const char* kProbsUsage =
    "usage: sprig probs -m model.sprig -p PROMPT [-k TOP] [--steps N] [--json] [options]\n"
    "Shows the most likely next tokens and their probabilities.\n"
    "  -m, --model FILE      the model (.sprig)\n"
    "  -p, --prompt TEXT     the prompt (required)\n"
    "  -k N                  how many of the most likely next tokens to show (default 10)\n"
    "  --steps N             walk N tokens greedily, showing the distribution before each (default 1)\n"
    "  --json                one JSON object: the prompt's ids and, per step, the context and the top tokens\n";

namespace {

struct Candidate {
  int32_t id;
  double probability;
};

// Softmax in double precision (the distribution is what is shown, so its own rounding should be
// far below the printed digits), then the k most likely tokens, most likely first.
std::vector<Candidate> top_tokens(std::span<const float> logits, size_t k) {
  const float peak = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(double(l) - peak);
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  k = std::min(k, order.size());
  std::partial_sort(order.begin(), order.begin() + ptrdiff_t(k), order.end(), [&](int32_t a, int32_t b) {
    return logits[size_t(a)] > logits[size_t(b)] || (logits[size_t(a)] == logits[size_t(b)] && a < b);
  });
  std::vector<Candidate> top;
  for (size_t i = 0; i < k; ++i) top.push_back({order[i], std::exp(double(logits[size_t(order[i])]) - peak) / sum});
  return top;
}

// How a token reads after `previous`, for display: its bytes, or its piece for control tokens.
std::string shown(const Tokenizer& tokenizer, int32_t previous, int32_t token) {
  const std::string_view text = tokenizer.decode(previous, token);
  return text.empty() ? std::string(tokenizer.piece(token)) : std::string(text);
}

}  // namespace

int probs_command(int argc, char** argv) {
  std::set<std::string> names = kSessionOptionNames;
  names.insert({"-m", "-p", "-k", "--steps"});
  const Arguments args(argc, argv, names, {"--json"});
  if (!args.has("-m")) throw UsageError("-m MODEL is required");
  if (!args.has("-p")) throw UsageError("-p PROMPT is required");
  const size_t k = size_t(args.integer("-k", 10, 1, 1 << 20));
  const uint32_t steps = uint32_t(args.integer("--steps", 1, 1, 1 << 20));
  const bool json = args.has("--json");

  auto model = Model::open(args.text("-m"));
  if (!model) return report_error(model.error().message());
  auto session = Session::create(model.value(), session_options(args));
  if (!session) return report_error(session.error().message());
  log_backend(*session.value());
  const Tokenizer tokenizer(model.value()->vocab());

  std::vector<int32_t> context;
  tokenizer.encode(args.text("-p"), model.value()->vocab().add_bos, context);
  if (context.empty()) return report_error("the prompt has no tokens (and the model adds no BOS)");
  if (context.size() + steps - 1 > session.value()->context_length())
    return report_error("the prompt and steps do not fit the context of " +
                        std::to_string(session.value()->context_length()) + " tokens");
  for (int32_t token : context)
    if (Status s = session.value()->decode(token); !s) return report_error(s.message());

  std::string text = args.text("-p");
  if (json) {
    std::printf("{\"prompt\": %s, \"prompt_ids\": [", json_string(text).c_str());
    for (size_t i = 0; i < context.size(); ++i) std::printf("%s%d", i ? ", " : "", context[i]);
    std::printf("], \"steps\": [");
  }
  for (uint32_t step = 0; step < steps; ++step) {
    const auto top = top_tokens(session.value()->logits(), k);
    const int32_t previous = context.back();
    if (json) {
      std::printf("%s\n  {\"context_ids\": [", step ? "," : "");
      for (size_t i = 0; i < context.size(); ++i) std::printf("%s%d", i ? ", " : "", context[i]);
      std::printf("], \"top\": [");
      for (size_t i = 0; i < top.size(); ++i)
        std::printf("%s{\"id\": %d, \"token\": %s, \"probability\": %.9g}", i ? ", " : "", top[i].id,
                    json_string(shown(tokenizer, previous, top[i].id)).c_str(), top[i].probability);
      std::printf("]}");
    } else {
      std::printf("%s%s ___\n", step ? "\n" : "", text.c_str());
      for (const Candidate& c : top)
        std::printf("  %8.4f%%  %-20s id %d\n", 100 * c.probability,
                    json_string(shown(tokenizer, previous, c.id)).c_str(), c.id);
    }
    if (step + 1 == steps) break;
    // The greedy walk: the most likely token joins the context.
    const int32_t next = top[0].id;
    text += tokenizer.decode(previous, next);
    context.push_back(next);
    if (Status s = session.value()->decode(next); !s) return report_error(s.message());
  }
  if (json) std::printf("\n]}\n");
  return 0;
}

}  // namespace sprig::cli
