#include "norm_importance.h"

namespace sprig::convert {
namespace {

// Keeps a column whose norm weight is zero from counting for nothing.
constexpr float kFloor = 1e-3f;

std::vector<float> normalised_squares(const SourceTensor& norm) {
  std::vector<float> values = norm.load();
  double total = 0;
  for (float& v : values) {
    v = v * v;
    total += v;
  }
  const double mean = values.empty() ? 0 : total / double(values.size());
  for (float& v : values) v = mean > 0 ? float(v / mean) + kFloor : 1.0f;
  return values;
}

}  // namespace

ColumnImportance norm_importance(const Checkpoint& checkpoint) {
  std::map<std::string, const SourceTensor*> by_name;
  for (const SourceTensor& t : checkpoint.tensors) by_name[t.name] = &t;
  ColumnImportance importance;
  auto assign = [&](const std::string& norm, std::initializer_list<std::string> matrices) {
    auto it = by_name.find(norm);
    if (it == by_name.end()) return;
    const std::vector<float> squares = normalised_squares(*it->second);
    for (const std::string& m : matrices)
      if (by_name.count(m) && by_name.at(m)->shape.size() == 2 && by_name.at(m)->shape[1] == squares.size())
        importance[m] = squares;
  };
  for (uint32_t l = 0; l < checkpoint.hparams.n_layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    assign(p + "attn_norm", {p + "attn_q", p + "attn_k", p + "attn_v"});
    assign(p + "ffn_norm", {p + "ffn_gate", p + "ffn_up"});
  }
  assign("output_norm", {"output", checkpoint.hparams.tied_output ? "token_embd" : "output"});
  return importance;
}

}  // namespace sprig::convert
