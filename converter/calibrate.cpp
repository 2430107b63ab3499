#include "calibrate.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "model_writer.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"

namespace sprig::convert {
namespace {

struct Accumulator {
  std::string name;
  std::vector<double> sum_squares;
  uint64_t count = 0;
};

struct Observation {
  std::unordered_map<const void*, Accumulator> by_weights;
};

void observe(void* context, const TensorView& weights, const float* input) {
  auto& observation = *static_cast<Observation*>(context);
  auto it = observation.by_weights.find(weights.data);
  if (it == observation.by_weights.end()) return;
  Accumulator& a = it->second;
  for (size_t c = 0; c < a.sum_squares.size(); ++c) a.sum_squares[c] += double(input[c]) * input[c];
  ++a.count;
}

void track(Observation& observation, const TensorView& weights, const std::string& name) {
  observation.by_weights[weights.data] = {name, std::vector<double>(weights.cols, 0.0), 0};
}

}  // namespace

ColumnImportance measure_activations(const Checkpoint& checkpoint, const std::string& text_path,
                                     const std::string& scratch_path, uint32_t max_tokens) {
  std::ifstream in(text_path, std::ios::binary);
  if (!in) throw ConvertError(text_path + ": cannot open the calibration text");
  std::stringstream text;
  text << in.rdbuf();

  WriteOptions scratch_options;
  scratch_options.dtype = DType::F16;
  scratch_options.head_dtype = DType::F16;
  write_model(checkpoint, scratch_path, scratch_options);
  auto model = Model::open(scratch_path);
  std::remove(scratch_path.c_str());  // the mapping stays valid
  if (!model) throw ConvertError(model.error().message());

  Observation observation;
  for (size_t l = 0; l < model.value()->layers().size(); ++l) {
    const LayerWeights& w = model.value()->layers()[l];
    const std::string p = "blk." + std::to_string(l) + ".";
    track(observation, w.wq, p + "attn_q");
    track(observation, w.wk, p + "attn_k");
    track(observation, w.wv, p + "attn_v");
    track(observation, w.wo, p + "attn_output");
    track(observation, w.w_gate, p + "ffn_gate");
    track(observation, w.w_up, p + "ffn_up");
    track(observation, w.w_down, p + "ffn_down");
  }
  track(observation, model.value()->output(), "output");

  const Tokenizer tokenizer(model.value()->vocab());
  std::vector<int32_t> tokens;
  tokenizer.encode(text.str(), false, tokens);
  if (tokens.size() > max_tokens) tokens.resize(max_tokens);
  if (tokens.empty()) throw ConvertError(text_path + ": the calibration text has no tokens");
  SessionOptions options;
  options.context_length = std::min<uint32_t>(512, model.value()->hparams().max_positions);
  auto session = Session::create(model.value(), options);
  if (!session) throw ConvertError(session.error().message());
  session.value()->set_matvec_observer(observe, &observation);
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (session.value()->position() == session.value()->context_length()) session.value()->reset();
    const bool window_start = session.value()->position() == 0 && tokenizer.bos_id() >= 0;
    if (Status s = session.value()->decode(window_start ? tokenizer.bos_id() : tokens[i]); !s)
      throw ConvertError(s.message());
  }

  // Normalised to mean 1 per matrix: only the relative weight of columns matters.
  ColumnImportance importance;
  for (const auto& [weights, a] : observation.by_weights) {
    double total = 0;
    for (double s : a.sum_squares) total += s;
    std::vector<float> column(a.sum_squares.size(), 1.0f);
    if (total > 0)
      for (size_t c = 0; c < column.size(); ++c)
        column[c] = float(a.sum_squares[c] / total * double(column.size())) + 1e-3f;
    importance[a.name] = std::move(column);
  }
  if (checkpoint.hparams.tied_output) importance["token_embd"] = importance["output"];
  std::fprintf(stderr, "calibration: %zu tokens of %s\n", tokens.size(), text_path.c_str());
  return importance;
}

}  // namespace sprig::convert
