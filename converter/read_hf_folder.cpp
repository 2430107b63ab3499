// Hugging Face folders: config.json with model.safetensors or sharded safetensors, of the
// families hf_config.cpp reads. HF checkpoints rotate halves of each head (rotate_half); the
// model file rotates interleaved pairs, so q and k rows (and their biases and per-head norms)
// are permuted: row 2i <- i, row 2i+1 <- i + head_dim/2. Fused projections are split here,
// GPT-2's Conv1D weights transposed and Gemma's (1 + w) norm weights folded.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "checkpoint.h"
#include "hf_config.h"
#include "json_limits.h"
#include "safetensors_file.h"

namespace sprig::convert {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& path) {
  return parse_json_file(path.string());  // bounded nesting, no duplicate keys (json_limits.h)
}

std::vector<fs::path> safetensors_files(const fs::path& folder) {
  if (fs::exists(folder / "model.safetensors")) return {folder / "model.safetensors"};
  const fs::path index_path = folder / "model.safetensors.index.json";
  if (!fs::exists(index_path))
    throw ConvertError(folder.string() + ": no model.safetensors or model.safetensors.index.json");
  const json index = read_json(index_path);
  if (!index.contains("weight_map") || !index["weight_map"].is_object())
    throw ConvertError(index_path.string() + ": no weight_map");
  std::set<std::string> names;
  for (const auto& [tensor, file] : index["weight_map"].items()) {
    const std::string shard = file.is_string() ? file.get<std::string>() : "";
    if (shard.empty() || shard.find('/') != std::string::npos || shard.find("..") != std::string::npos)
      throw ConvertError(index_path.string() + ": tensor '" + tensor + "' maps to an invalid file name");
    names.insert(shard);
  }
  std::vector<fs::path> files;
  for (const std::string& name : names) files.push_back(folder / name);
  return files;
}

// Where one checkpoint tensor goes in the model file: one or more row ranges (fused projections
// are split), each possibly permuted for the RoPE convention, after an optional transpose.
struct Piece {
  std::string name;
  uint64_t first_row = 0, rows = 0;  // rows 0: all of them
  bool rope_rows = false;            // q/k rows (or a q/k norm's head_dim values): halves to interleaved pairs
  bool qk_scaled = false;            // multiplied by the config's qk_scale
};
struct Mapping {
  std::vector<Piece> pieces;  // empty: sprig does not use the tensor
  bool transpose = false;     // GPT-2's Conv1D keeps weights [in, out]
  bool add_one = false;       // Gemma's norms multiply by (1 + w)
  bool skip = false;          // known and not needed (buffers, precomputed RoPE tables)
};

bool is_layer_number(const std::string& s) { return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos; }

// Splits "<prefix>N.rest" into N and rest; false when the name is not of that form.
bool split_layer(const std::string& name, const std::string& prefix, std::string& layer, std::string& rest) {
  if (name.rfind(prefix, 0) != 0) return false;
  const size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos) return false;
  layer = name.substr(prefix.size(), dot - prefix.size());
  rest = name.substr(dot + 1);
  return is_layer_number(layer);
}

Mapping decoder_mapping(const std::string& hf_name, const HfConfig& config) {
  const Hyperparameters& hp = config.hparams;
  const bool gemma = config.gemma_norms;
  Mapping m;
  auto one = [&](std::string name, bool rope = false, bool scaled = false) {
    m.pieces.push_back({std::move(name), 0, 0, rope, scaled});
    return m;
  };
  if (hf_name == "model.embed_tokens.weight") return one("token_embd");
  if (hf_name == "lm_head.weight") return one("output");
  if (hf_name == "model.norm.weight") {
    m.add_one = gemma;
    return one("output_norm");
  }
  std::string layer, rest;
  if (!split_layer(hf_name, "model.layers.", layer, rest)) return m;
  const std::string p = "blk." + layer + ".";
  if (rest.find("rotary_emb.inv_freq") != std::string::npos) {
    m.skip = true;  // recomputed from the config
    return m;
  }
  if (rest == "input_layernorm.weight" || rest == "post_attention_layernorm.weight" ||
      rest == "pre_feedforward_layernorm.weight" || rest == "post_feedforward_layernorm.weight" ||
      rest == "self_attn.q_norm.weight" || rest == "self_attn.k_norm.weight")
    m.add_one = gemma;
  if (rest == "input_layernorm.weight") return one(p + "attn_norm");
  if (rest == "post_attention_layernorm.weight") return one(p + (gemma ? "attn_post_norm" : "ffn_norm"));
  if (rest == "pre_feedforward_layernorm.weight" && gemma) return one(p + "ffn_norm");
  if (rest == "post_feedforward_layernorm.weight" && gemma) return one(p + "ffn_post_norm");
  if (rest == "self_attn.q_norm.weight") return one(p + "attn_q_norm", true);
  if (rest == "self_attn.k_norm.weight") return one(p + "attn_k_norm", true);
  static const std::pair<const char*, const char*> kProjections[] = {
      {"self_attn.q_proj", "attn_q"}, {"self_attn.k_proj", "attn_k"},  {"self_attn.v_proj", "attn_v"},
      {"self_attn.o_proj", "attn_output"}, {"mlp.gate_proj", "ffn_gate"}, {"mlp.up_proj", "ffn_up"},
      {"mlp.down_proj", "ffn_down"}};
  for (const auto& [hf, ours] : kProjections) {
    const std::string base = std::string(hf);
    const bool qk = base == "self_attn.q_proj" || base == "self_attn.k_proj";
    if (rest == base + ".weight") return one(p + ours, qk, qk);
    if (rest == base + ".bias" && base.rfind("self_attn.", 0) == 0) return one(p + ours + "_bias", qk, qk);
  }
  if (rest == "self_attn.qkv_proj.weight") {
    m.pieces = {{p + "attn_q", 0, hp.q_dim(), true, true},
                {p + "attn_k", hp.q_dim(), hp.kv_dim(), true, true},
                {p + "attn_v", uint64_t(hp.q_dim()) + hp.kv_dim(), hp.kv_dim(), false, false}};
    return m;
  }
  if (rest == "mlp.gate_up_proj.weight") {
    m.pieces = {{p + "ffn_gate", 0, hp.ffn_dim}, {p + "ffn_up", hp.ffn_dim, hp.ffn_dim}};
    return m;
  }
  return m;
}

Mapping gpt2_mapping(std::string hf_name, const HfConfig& config) {
  if (hf_name.rfind("transformer.", 0) == 0) hf_name = hf_name.substr(12);
  const uint64_t dim = config.hparams.dim;
  Mapping m;
  auto one = [&](std::string name) {
    m.pieces.push_back({std::move(name)});
    return m;
  };
  if (hf_name == "wte.weight") return one("token_embd");
  if (hf_name == "wpe.weight") return one("position_embd");
  if (hf_name == "ln_f.weight") return one("output_norm");
  if (hf_name == "ln_f.bias") return one("output_norm_bias");
  if (hf_name == "lm_head.weight") return one("output");
  std::string layer, rest;
  if (!split_layer(hf_name, "h.", layer, rest)) return m;
  const std::string p = "blk." + layer + ".";
  if (rest == "attn.bias" || rest == "attn.masked_bias") {
    m.skip = true;  // the causal mask as a buffer
    return m;
  }
  static const std::pair<const char*, const char*> kNames[] = {
      {"ln_1.weight", "attn_norm"},     {"ln_1.bias", "attn_norm_bias"},       {"ln_2.weight", "ffn_norm"},
      {"ln_2.bias", "ffn_norm_bias"},   {"attn.c_proj.bias", "attn_output_bias"}, {"mlp.c_fc.bias", "ffn_up_bias"},
      {"mlp.c_proj.bias", "ffn_down_bias"}};
  for (const auto& [hf, ours] : kNames)
    if (rest == hf) return one(p + ours);
  m.transpose = rest.ends_with(".weight");
  if (rest == "attn.c_proj.weight") return one(p + "attn_output");
  if (rest == "mlp.c_fc.weight") return one(p + "ffn_up");
  if (rest == "mlp.c_proj.weight") return one(p + "ffn_down");
  if (rest == "attn.c_attn.weight" || rest == "attn.c_attn.bias") {
    const std::string suffix = m.transpose ? "" : "_bias";
    m.pieces = {{p + "attn_q" + suffix, 0, dim}, {p + "attn_k" + suffix, dim, dim}, {p + "attn_v" + suffix, 2 * dim, dim}};
    return m;
  }
  m.transpose = false;
  return m;
}

// Reorders each head's values from halves (i, i + head_dim/2) to interleaved pairs (2i, 2i+1).
std::vector<float> halves_to_interleaved(const std::vector<float>& w, uint64_t rows, uint64_t cols, uint32_t head_dim) {
  std::vector<float> out(w.size());
  const uint64_t half = head_dim / 2;
  for (uint64_t head = 0; head < rows / head_dim; ++head) {
    const uint64_t base = head * head_dim;
    for (uint64_t i = 0; i < half; ++i) {
      std::copy_n(&w[(base + i) * cols], cols, &out[(base + 2 * i) * cols]);
      std::copy_n(&w[(base + i + half) * cols], cols, &out[(base + 2 * i + 1) * cols]);
    }
  }
  return out;
}

std::vector<float> transposed(const std::vector<float>& w, uint64_t rows, uint64_t cols) {
  std::vector<float> out(w.size());
  for (uint64_t r = 0; r < rows; ++r)
    for (uint64_t c = 0; c < cols; ++c) out[c * rows + r] = w[r * cols + c];
  return out;
}

// A 1-D tensor of double values (RoPE tables), written as f32.
SourceTensor table_tensor(const std::string& name, const std::vector<double>& values) {
  return {name, {values.size()}, "computed", [values]() { return std::vector<float>(values.begin(), values.end()); }};
}

}  // namespace

Checkpoint read_hf_folder(const std::string& folder_name) {
  const fs::path folder(folder_name);
  Checkpoint checkpoint;
  checkpoint.source = folder_name;
  checkpoint.source_format = "safetensors";
  const HfConfig config = read_hf_config((folder / "config.json").string());
  checkpoint.hparams = config.hparams;
  checkpoint.family = config.family;
  const uint32_t head_dim = config.hparams.head_dim;
  const bool gpt2 = config.family.architecture == Architecture::Gpt2;

  for (const fs::path& path : safetensors_files(folder)) {
    SafetensorsFile file(path.string());
    auto shared_file = file.file();
    for (const auto& [hf_name, entry] : file.entries()) {
      const Mapping mapping = gpt2 ? gpt2_mapping(hf_name, config) : decoder_mapping(hf_name, config);
      if (mapping.skip) continue;
      if (mapping.pieces.empty())
        throw ConvertError(path.string() + ": unexpected tensor '" + hf_name + "' for model_type '" + config.model_type + "'");
      if (entry.shape.empty() || entry.shape.size() > 2)
        throw ConvertError(path.string() + ": tensor '" + hf_name + "' is not a vector or a matrix");
      // Rows and columns after the transpose; vectors are one column.
      uint64_t rows = entry.shape[0], cols = entry.shape.size() == 2 ? entry.shape[1] : 1;
      if (mapping.transpose) {
        if (entry.shape.size() != 2) throw ConvertError(path.string() + ": Conv1D tensor '" + hf_name + "' is not a matrix");
        std::swap(rows, cols);
      }
      uint64_t covered = 0;
      for (const Piece& piece : mapping.pieces) covered += piece.rows ? piece.rows : rows;
      if (covered != rows)
        throw ConvertError(path.string() + ": tensor '" + hf_name + "' has " + std::to_string(rows) +
                           " rows, the config gives " + std::to_string(covered));
      const SafetensorsEntry e = entry;
      for (const Piece& piece : mapping.pieces) {
        const uint64_t piece_rows = piece.rows ? piece.rows : rows;
        if (piece.rope_rows && piece_rows % head_dim != 0)
          throw ConvertError(path.string() + ": tensor '" + hf_name + "' is not a whole number of heads");
        std::vector<uint64_t> shape = {piece_rows};
        if (entry.shape.size() == 2) shape.push_back(cols);
        const bool add_one = mapping.add_one, transpose = mapping.transpose;
        const double scale = piece.qk_scaled ? config.qk_scale : 1.0;
        checkpoint.tensors.push_back(
            {piece.name, shape, element_type_name(e.type), [shared_file, e, piece, piece_rows, rows, cols, head_dim,
                                                             add_one, transpose, scale]() {
               uint64_t count = 1;
               for (uint64_t d : e.shape) count *= d;
               auto values = decode_elements(shared_file->bytes(e.offset, e.size, piece.name), count, e.type);
               if (transpose) values = transposed(values, cols, rows);
               values = std::vector<float>(values.begin() + ptrdiff_t(piece.first_row * cols),
                                           values.begin() + ptrdiff_t((piece.first_row + piece_rows) * cols));
               if (piece.rope_rows) values = halves_to_interleaved(values, piece_rows, cols, head_dim);
               if (add_one)
                 for (float& v : values) v += 1.0f;
               if (scale != 1.0)
                 for (float& v : values) v = float(double(v) * scale);
               return values;
             }});
      }
    }
  }
  if (!config.rope_freqs.empty()) checkpoint.tensors.push_back(table_tensor("rope_freqs", config.rope_freqs));
  if (!config.rope_freqs_long.empty()) checkpoint.tensors.push_back(table_tensor("rope_freqs_long", config.rope_freqs_long));
  if (!config.rope_freqs_swa.empty()) checkpoint.tensors.push_back(table_tensor("rope_freqs_swa", config.rope_freqs_swa));
  // A checkpoint that stores lm_head despite tie_word_embeddings uses its own head.
  for (const SourceTensor& t : checkpoint.tensors)
    if (t.name == "output") checkpoint.hparams.tied_output = false;
  return checkpoint;
}

}  // namespace sprig::convert
