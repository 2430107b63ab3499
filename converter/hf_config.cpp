#include "hf_config.h"

#include <cmath>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>

#include "checkpoint.h"
#include "json_limits.h"
#include "hparam_limits.h"
#include "rope_frequencies.h"

namespace sprig::convert {
namespace {

using nlohmann::json;

class ConfigReader {
 public:
  ConfigReader(const std::string& path, json config) : path_(path), config_(std::move(config)) {}

  [[noreturn]] void fail(const std::string& problem) const { throw ConvertError(path_ + ": " + problem); }

  const std::string& path() const { return path_; }
  bool has(const char* key) const { return config_.contains(key) && !config_[key].is_null(); }
  const json& at(const char* key) const { return config_[key]; }

  uint32_t u32(const char* key) const {
    if (!has(key) || !config_[key].is_number_unsigned()) fail(std::string("missing or invalid '") + key + "'");
    const uint64_t v = config_[key].get<uint64_t>();
    if (v == 0 || v > 0xffffffffu) fail(std::string(key) + " " + std::to_string(v) + " is out of range");
    return uint32_t(v);
  }
  uint32_t u32_or(const char* key, uint32_t fallback) const { return has(key) ? u32(key) : fallback; }
  double number_or(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    if (!config_[key].is_number()) fail(std::string("'") + key + "' is not a number");
    return config_[key].get<double>();
  }
  bool flag_or(const char* key, bool fallback) const {
    if (!has(key)) return fallback;
    if (!config_[key].is_boolean()) fail(std::string("'") + key + "' is not true or false");
    return config_[key].get<bool>();
  }
  std::string text_or(const char* key, const std::string& fallback) const {
    if (!has(key)) return fallback;
    if (!config_[key].is_string()) fail(std::string("'") + key + "' is not a string");
    return config_[key].get<std::string>();
  }
  // A field whose only supported value is `expected`; any other stops the conversion.
  void require(const char* key, const json& expected, const json& fallback) const {
    const json value = has(key) ? config_[key] : fallback;
    if (value != expected)
      fail(std::string(key) + " = " + json_excerpt(value) + " is not supported (sprig implements " + json_excerpt(expected) + ")");
  }

 private:
  std::string path_;
  json config_;
};

json read_json(const std::string& path) { return parse_json_file(path); }

// Fields every RMSNorm decoder with RoPE shares (Llama, Qwen, Gemma, Phi-3).
void read_decoder_shape(const ConfigReader& c, HfConfig& out, bool tied_by_default) {
  Hyperparameters& hp = out.hparams;
  hp.dim = c.u32("hidden_size");
  hp.n_layers = c.u32("num_hidden_layers");
  hp.n_heads = c.u32("num_attention_heads");
  hp.n_kv_heads = c.u32_or("num_key_value_heads", hp.n_heads);
  hp.head_dim = c.u32_or("head_dim", hp.dim / hp.n_heads);
  hp.ffn_dim = c.u32("intermediate_size");
  hp.vocab_size = c.u32("vocab_size");
  hp.max_positions = c.u32("max_position_embeddings");
  hp.rope_theta = float(c.number_or("rope_theta", 10000.0));
  hp.norm_eps = float(c.number_or("rms_norm_eps", 1e-6));
  hp.tied_output = c.flag_or("tie_word_embeddings", tied_by_default);
  check_hyperparameters(hp, c.path(), {"hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                                       "head_dim", "intermediate_size", "vocab_size", "max_position_embeddings",
                                       "rope_theta", "rms_norm_eps"});
  if (c.number_or("partial_rotary_factor", 1.0) != 1.0)
    c.fail("partial_rotary_factor = " + json_excerpt(c.at("partial_rotary_factor")) + " is not supported (sprig rotates whole heads)");
}

// rope_scaling: null/default, linear, llama3 and longrope/su; anything else stops.
void read_rope_scaling(const ConfigReader& c, HfConfig& out) {
  if (!c.has("rope_scaling")) return;
  const json& scaling = c.at("rope_scaling");
  if (!scaling.is_object()) c.fail("rope_scaling " + json_excerpt(scaling) + " is not an object");
  const char* type_key = scaling.contains("rope_type") ? "rope_type" : "type";
  if (scaling.contains(type_key) && !scaling[type_key].is_string())
    c.fail(std::string("rope_scaling.") + type_key + " = " + json_excerpt(scaling[type_key]) + " is not a string");
  const std::string type = scaling.contains(type_key) ? scaling[type_key].get<std::string>() : "";
  const Hyperparameters& hp = out.hparams;
  auto number = [&](const char* key) {
    if (!scaling.contains(key) || !scaling[key].is_number() || !(scaling[key].get<double>() > 0))
      c.fail("rope_scaling." + std::string(key) + " is missing or not a positive number (rope_type '" + type + "')");
    return scaling[key].get<double>();
  };
  if (type == "default") return;
  if (type == "linear") {
    out.rope_freqs = linear_rope_frequencies(hp.rope_theta, hp.head_dim, number("factor"));
    return;
  }
  if (type == "llama3") {
    const double low = number("low_freq_factor"), high = number("high_freq_factor");
    if (!(high > low)) c.fail("rope_scaling: high_freq_factor must exceed low_freq_factor");
    out.rope_freqs = llama3_rope_frequencies(hp.rope_theta, hp.head_dim, number("factor"), low, high,
                                             number("original_max_position_embeddings"));
    return;
  }
  if (type == "longrope" || type == "su") {
    auto factors = [&](const char* key) {
      if (!scaling.contains(key) || !scaling[key].is_array() || scaling[key].size() != hp.head_dim / 2)
        c.fail("rope_scaling." + std::string(key) + " must list head_dim / 2 = " + std::to_string(hp.head_dim / 2) +
               " factors");
      std::vector<double> values;
      for (const json& v : scaling[key]) {
        if (!v.is_number() || !(v.get<double>() > 0)) c.fail("rope_scaling." + std::string(key) + " holds " + json_excerpt(v));
        values.push_back(v.get<double>());
      }
      return values;
    };
    double original = c.number_or("original_max_position_embeddings", 0);
    if (original == 0 && scaling.contains("original_max_position_embeddings")) original = number("original_max_position_embeddings");
    if (!(original >= 1 && original <= hp.max_positions)) c.fail("longrope needs original_max_position_embeddings");
    out.rope_freqs = longrope_frequencies(hp.rope_theta, hp.head_dim, factors("short_factor"));
    out.rope_freqs_long = longrope_frequencies(hp.rope_theta, hp.head_dim, factors("long_factor"));
    out.family.rope_long_context = uint32_t(original);
    out.qk_scale = scaling.contains("attention_factor") ? number("attention_factor")
                                                        : longrope_attention_factor(hp.max_positions, original);
    return;
  }
  c.fail("rope_scaling type '" + type + "' is not supported (sprig implements default, linear, llama3, longrope, su)");
}

void require_silu(const ConfigReader& c) { c.require("hidden_act", "silu", "silu"); }

// Sliding layers from layer_types when the config has it, else from the family's pattern.
void read_sliding_layers(const ConfigReader& c, HfConfig& out, const std::function<bool(uint32_t)>& pattern) {
  FamilyOptions& f = out.family;
  f.sliding_window = c.u32_or("sliding_window", 0);
  if (!f.sliding_window) return;
  f.sliding_layers.assign(out.hparams.n_layers, false);
  if (c.has("layer_types")) {
    const json& types = c.at("layer_types");
    if (!types.is_array() || types.size() != out.hparams.n_layers) c.fail("layer_types must list every layer");
    for (uint32_t i = 0; i < types.size(); ++i) {
      const std::string type = types[i].is_string() ? types[i].get<std::string>() : json_excerpt(types[i]);
      if (type != "sliding_attention" && type != "full_attention")
        c.fail("layer_types[" + std::to_string(i) + "] = '" + type + "' is not supported");
      f.sliding_layers[i] = type == "sliding_attention";
    }
    return;
  }
  for (uint32_t i = 0; i < out.hparams.n_layers; ++i) f.sliding_layers[i] = pattern(i);
}

void read_gemma(const ConfigReader& c, HfConfig& out, bool gemma3) {
  read_decoder_shape(c, out, /*tied_by_default=*/true);
  FamilyOptions& f = out.family;
  f.architecture = gemma3 ? Architecture::Gemma3 : Architecture::Gemma2;
  out.gemma_norms = true;
  const std::string act = c.text_or("hidden_activation", c.text_or("hidden_act", "gelu_pytorch_tanh"));
  if (act != "gelu_pytorch_tanh" && act != "gelu_tanh")
    c.fail("hidden_activation '" + act + "' is not supported (sprig implements gelu_pytorch_tanh)");
  f.activation = Activation::GeluTanhGated;
  f.embedding_scale = std::sqrt(float(out.hparams.dim));
  f.attention_scale = float(1.0 / std::sqrt(c.number_or("query_pre_attn_scalar", out.hparams.head_dim)));
  f.attention_softcap = float(c.number_or("attn_logit_softcapping", 0.0));
  f.output_softcap = float(c.number_or("final_logit_softcapping", 0.0));
  c.require("attention_bias", false, false);
  if (gemma3) {
    const uint32_t pattern = c.u32_or("sliding_window_pattern", 6);
    read_sliding_layers(c, out, [pattern](uint32_t i) { return (i + 1) % pattern != 0; });
    // Sliding layers rotate with their own base and no scaling; global ones with rope_theta and rope_scaling.
    out.rope_freqs_swa = default_rope_frequencies(c.number_or("rope_local_base_freq", 10000.0), out.hparams.head_dim);
  } else {
    read_sliding_layers(c, out, [](uint32_t i) { return i % 2 == 0; });
  }
  read_rope_scaling(c, out);
}

void read_gpt2(const ConfigReader& c, HfConfig& out) {
  Hyperparameters& hp = out.hparams;
  FamilyOptions& f = out.family;
  f.architecture = Architecture::Gpt2;
  hp.dim = c.u32("n_embd");
  hp.n_layers = c.u32("n_layer");
  hp.n_heads = hp.n_kv_heads = c.u32("n_head");
  if (hp.dim % hp.n_heads) c.fail("n_embd is not a multiple of n_head");
  hp.head_dim = hp.dim / hp.n_heads;
  hp.ffn_dim = c.u32_or("n_inner", 4 * hp.dim);
  hp.vocab_size = c.u32("vocab_size");
  hp.max_positions = c.u32("n_positions");
  hp.norm_eps = float(c.number_or("layer_norm_epsilon", 1e-5));
  hp.tied_output = c.flag_or("tie_word_embeddings", true);
  check_hyperparameters(hp, c.path(), {"n_embd", "n_layer", "n_head", "n_head", "n_embd / n_head", "n_inner",
                                       "vocab_size", "n_positions", "rope_theta", "layer_norm_epsilon"});
  const std::string act = c.text_or("activation_function", "gelu_new");
  if (act != "gelu_new" && act != "gelu_pytorch_tanh")
    c.fail("activation_function '" + act + "' is not supported (sprig implements gelu_new)");
  c.require("scale_attn_by_inverse_layer_idx", false, false);
  f.norm = NormKind::LayerNorm;
  f.activation = Activation::GeluTanh;
  f.learned_positions = true;
  if (!c.flag_or("scale_attn_weights", true)) f.attention_scale = 1.0f;
}

}  // namespace

HfConfig read_hf_config(const std::string& path) {
  const ConfigReader c(path, read_json(path));
  HfConfig out;
  out.model_type = c.text_or("model_type", "");
  const std::string& type = out.model_type;
  if (type == "llama") {
    read_decoder_shape(c, out, false);
    require_silu(c);
    c.require("mlp_bias", false, false);
    read_rope_scaling(c, out);  // attention_bias: the biases are read when the tensors are there
  } else if (type == "qwen2" || type == "qwen3") {
    read_decoder_shape(c, out, false);
    require_silu(c);
    out.family.architecture = type == "qwen2" ? Architecture::Qwen2 : Architecture::Qwen3;
    c.require("use_sliding_window", false, false);
    read_rope_scaling(c, out);
  } else if (type == "gemma2" || type == "gemma3_text") {
    read_gemma(c, out, type == "gemma3_text");
  } else if (type == "phi3") {
    read_decoder_shape(c, out, false);
    require_silu(c);
    out.family.architecture = Architecture::Phi3;
    read_sliding_layers(c, out, [](uint32_t) { return true; });
    read_rope_scaling(c, out);
  } else if (type == "gpt2") {
    read_gpt2(c, out);
  } else if (type == "gemma3") {
    c.fail("model_type 'gemma3' is the multimodal model; convert its text model (model_type gemma3_text)");
  } else {
    c.fail("model_type '" + type + "' is not supported (llama, qwen2, qwen3, gemma2, gemma3_text, phi3 and gpt2 are)");
  }
  if (out.family.sliding_window == 0) out.family.sliding_layers.clear();
  return out;
}

}  // namespace sprig::convert
