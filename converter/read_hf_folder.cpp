// Hugging Face Llama folders: config.json with model.safetensors or sharded safetensors.
// HF Llama checkpoints rotate halves of each head (rotate_half); the model file rotates
// interleaved pairs, so q and k rows are permuted: row 2i <- i, row 2i+1 <- i + head_dim/2.
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "checkpoint.h"
#include "safetensors_file.h"

namespace sprig::convert {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw ConvertError(path.string() + ": cannot open");
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw ConvertError(path.string() + ": not valid JSON: " + e.what());
  }
}

Hyperparameters read_config(const fs::path& path) {
  const json config = read_json(path);
  auto fail = [&](const std::string& problem) -> void { throw ConvertError(path.string() + ": " + problem); };
  const std::string model_type = config.value("model_type", "");
  if (model_type != "llama") fail("model_type '" + model_type + "' is not supported yet (llama is)");
  auto u32 = [&](const char* key) -> uint32_t {
    if (!config.contains(key) || !config[key].is_number_unsigned()) fail(std::string("missing or invalid '") + key + "'");
    const uint64_t v = config[key].get<uint64_t>();
    if (v == 0 || v > 0xffffffffu) fail(std::string(key) + " is out of range");
    return uint32_t(v);
  };
  // Fields that change the math but are not implemented stop the conversion by name.
  if (config.contains("rope_scaling") && !config["rope_scaling"].is_null())
    fail("rope_scaling " + config["rope_scaling"].dump() + " is not supported yet");
  if (config.value("hidden_act", "silu") != "silu")
    fail("hidden_act '" + config["hidden_act"].get<std::string>() + "' is not supported (silu is)");
  for (const char* key : {"attention_bias", "mlp_bias"})
    if (config.value(key, false)) fail(std::string(key) + " = true is not supported yet");

  Hyperparameters hp;
  hp.dim = u32("hidden_size");
  hp.n_layers = u32("num_hidden_layers");
  hp.n_heads = u32("num_attention_heads");
  hp.n_kv_heads = config.contains("num_key_value_heads") ? u32("num_key_value_heads") : hp.n_heads;
  hp.head_dim = config.contains("head_dim") ? u32("head_dim") : hp.dim / hp.n_heads;
  hp.ffn_dim = u32("intermediate_size");
  hp.vocab_size = u32("vocab_size");
  hp.max_positions = u32("max_position_embeddings");
  hp.rope_theta = config.value("rope_theta", 10000.0f);
  hp.norm_eps = config.value("rms_norm_eps", 1e-6f);
  hp.tied_output = config.value("tie_word_embeddings", false);
  return hp;
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

// "model.layers.3.self_attn.q_proj.weight" -> "blk.3.attn_q"; "" for names sprig does not know.
std::string model_name(const std::string& hf_name) {
  static const std::pair<const char*, const char*> kLayerNames[] = {
      {"input_layernorm.weight", "attn_norm"},   {"self_attn.q_proj.weight", "attn_q"},
      {"self_attn.k_proj.weight", "attn_k"},     {"self_attn.v_proj.weight", "attn_v"},
      {"self_attn.o_proj.weight", "attn_output"}, {"post_attention_layernorm.weight", "ffn_norm"},
      {"mlp.gate_proj.weight", "ffn_gate"},      {"mlp.up_proj.weight", "ffn_up"},
      {"mlp.down_proj.weight", "ffn_down"}};
  if (hf_name == "model.embed_tokens.weight") return "token_embd";
  if (hf_name == "model.norm.weight") return "output_norm";
  if (hf_name == "lm_head.weight") return "output";
  const std::string prefix = "model.layers.";
  if (hf_name.rfind(prefix, 0) != 0) return "";
  const size_t dot = hf_name.find('.', prefix.size());
  if (dot == std::string::npos) return "";
  const std::string layer = hf_name.substr(prefix.size(), dot - prefix.size());
  if (layer.empty() || layer.find_first_not_of("0123456789") != std::string::npos) return "";
  const std::string rest = hf_name.substr(dot + 1);
  for (const auto& [hf, ours] : kLayerNames)
    if (rest == hf) return "blk." + layer + "." + ours;
  return "";
}

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

}  // namespace

Checkpoint read_hf_folder(const std::string& folder_name) {
  const fs::path folder(folder_name);
  Checkpoint checkpoint;
  checkpoint.source = folder_name;
  checkpoint.source_format = "safetensors";
  checkpoint.hparams = read_config(folder / "config.json");
  const uint32_t head_dim = checkpoint.hparams.head_dim;

  for (const fs::path& path : safetensors_files(folder)) {
    SafetensorsFile file(path.string());
    auto shared_file = file.file();
    for (const auto& [hf_name, entry] : file.entries()) {
      const std::string name = model_name(hf_name);
      if (name.empty()) {
        if (hf_name.find("rotary_emb.inv_freq") != std::string::npos) continue;  // recomputed at run time
        throw ConvertError(path.string() + ": unexpected tensor '" + hf_name + "' for the llama architecture");
      }
      const bool permute = name.ends_with(".attn_q") || name.ends_with(".attn_k");
      if (permute && (entry.shape.size() != 2 || entry.shape[0] % head_dim != 0))
        throw ConvertError(path.string() + ": tensor '" + hf_name + "' is not a whole number of heads");
      const SafetensorsEntry e = entry;
      checkpoint.tensors.push_back(
          {name, e.shape, element_type_name(e.type), [shared_file, e, name, permute, head_dim]() {
             uint64_t count = 1;
             for (uint64_t d : e.shape) count *= d;
             auto values = decode_elements(shared_file->bytes(e.offset, e.size, name), count, e.type);
             return permute ? halves_to_interleaved(values, e.shape[0], e.shape[1], head_dim) : values;
           }});
    }
  }
  // A checkpoint that stores lm_head despite tie_word_embeddings uses its own head.
  for (const SourceTensor& t : checkpoint.tensors)
    if (t.name == "output") checkpoint.hparams.tied_output = false;
  return checkpoint;
}

}  // namespace sprig::convert
