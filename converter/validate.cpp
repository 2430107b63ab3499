#include <map>

#include "checkpoint.h"

namespace sprig::convert {
namespace {

std::string show(const std::vector<uint64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace

void validate(const Checkpoint& checkpoint) {
  const Hyperparameters& hp = checkpoint.hparams;
  const std::string& source = checkpoint.source;
  if (hp.n_heads == 0 || hp.n_kv_heads == 0 || hp.n_heads % hp.n_kv_heads != 0)
    throw ConvertError(source + ": head counts " + std::to_string(hp.n_heads) + "/" + std::to_string(hp.n_kv_heads) +
                       " are not valid for grouped-query attention");
  if (hp.head_dim == 0 || hp.head_dim % 2 != 0) throw ConvertError(source + ": head_dim must be even");

  std::map<std::string, std::vector<uint64_t>> expected;
  const uint64_t dim = hp.dim, ffn = hp.ffn_dim;
  expected["token_embd"] = {hp.vocab_size, dim};
  expected["output_norm"] = {dim};
  if (!hp.tied_output) expected["output"] = {hp.vocab_size, dim};
  for (uint32_t l = 0; l < hp.n_layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    expected[p + "attn_norm"] = {dim};
    expected[p + "attn_q"] = {hp.q_dim(), dim};
    expected[p + "attn_k"] = {hp.kv_dim(), dim};
    expected[p + "attn_v"] = {hp.kv_dim(), dim};
    expected[p + "attn_output"] = {dim, hp.q_dim()};
    expected[p + "ffn_norm"] = {dim};
    expected[p + "ffn_gate"] = {ffn, dim};
    expected[p + "ffn_up"] = {ffn, dim};
    expected[p + "ffn_down"] = {dim, ffn};
  }
  // Family tensors: required by the family's options, or optional and checked when present.
  const FamilyOptions& f = checkpoint.family;
  std::map<std::string, std::vector<uint64_t>> optional;
  if (f.norm == NormKind::LayerNorm) expected["output_norm_bias"] = {dim};
  if (f.learned_positions) expected["position_embd"] = {hp.max_positions, dim};
  for (const char* table : {"rope_freqs", "rope_freqs_long", "rope_freqs_swa"}) optional[table] = {hp.head_dim / 2};
  if (f.rope_long_context) expected["rope_freqs_long"] = {hp.head_dim / 2};
  for (uint32_t l = 0; l < hp.n_layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    if (f.activation == Activation::GeluTanh) expected.erase(p + "ffn_gate");
    if (f.norm == NormKind::LayerNorm) {
      expected[p + "attn_norm_bias"] = {dim};
      expected[p + "ffn_norm_bias"] = {dim};
    }
    optional[p + "attn_q_bias"] = {hp.q_dim()};
    optional[p + "attn_k_bias"] = {hp.kv_dim()};
    optional[p + "attn_v_bias"] = {hp.kv_dim()};
    optional[p + "attn_output_bias"] = {dim};
    optional[p + "ffn_up_bias"] = {ffn};
    optional[p + "ffn_down_bias"] = {dim};
    optional[p + "attn_q_norm"] = {hp.head_dim};
    optional[p + "attn_k_norm"] = {hp.head_dim};
    optional[p + "attn_post_norm"] = {dim};
    optional[p + "ffn_post_norm"] = {dim};
  }
  for (const auto& [name, shape] : expected) optional.erase(name);

  std::map<std::string, bool> seen;
  for (const SourceTensor& t : checkpoint.tensors) {
    auto it = expected.find(t.name);
    if (it == expected.end()) it = optional.find(t.name);
    if (it == optional.end()) throw ConvertError(source + ": unexpected tensor '" + t.name + "'");
    if (seen[t.name]) throw ConvertError(source + ": tensor '" + t.name + "' appears twice");
    seen[t.name] = true;
    if (t.shape != it->second)
      throw ConvertError(source + ": tensor '" + t.name + "' has shape " + show(t.shape) + ", the hyperparameters need " +
                         show(it->second));
  }
  for (const auto& [name, shape] : expected)
    if (!seen[name]) throw ConvertError(source + ": missing tensor '" + name + "'");

  const TokenizerData& tok = checkpoint.tokenizer;
  // Fewer tokens than embedding rows is a padded vocabulary (Qwen2.5, Phi-3 round vocab_size up):
  // the rows are kept and the runtime never samples or shows their ids. More tokens than rows
  // would give tokens no embedding.
  if (tok.pieces.size() > hp.vocab_size)
    throw ConvertError(source + ": the tokenizer has " + std::to_string(tok.pieces.size()) +
                       " tokens but the model's vocabulary has only " + std::to_string(hp.vocab_size));
  validate_tokenizer(tok, source);
}

}  // namespace sprig::convert
