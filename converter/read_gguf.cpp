// GGUF models of the llama, qwen2, qwen3, phi3, gemma2, gemma3 and gpt2 architectures, with tensor names and
// metadata keys as llama.cpp writes them. llama.cpp's converters store llama's q/k rows for
// interleaved RoPE pairs, the model file's convention; qwen2, qwen3 and phi3 keep Hugging Face's
// halves (NEOX RoPE), so their q/k rows, biases and norms are permuted here. Phi-3's fused
// ffn_up (gate rows, then up rows) and attn_qkv are split, its rope_factors_short/long divide
// the default frequencies and its rope.scaling.attn_factor is folded into the q and k rows.
// llama.cpp's Gemma files already hold 1 + w in their norms; their attention scale, sliding
// pattern and local RoPE base are the rules llama.cpp applies (GGUF does not store them). Block-quantized tensors (Q8_0,
// Q4_0, Q4_K, Q6_K) are dequantized to f32 for the writer.
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "checkpoint.h"
#include "element_types.h"
#include "gguf_file.h"
#include "gguf_quants.h"
#include "hparam_limits.h"
#include "rope_frequencies.h"
#include "tokenizer_support.h"

namespace sprig::convert {
namespace {

struct Decoder {
  std::optional<ElementType> plain;  // F32, F16, BF16
  uint32_t quant_type = 0;           // else a ggml block type
  std::string name;
};

Decoder decoder_of(const GgufFile& gguf, const GgufTensor& tensor) {
  switch (tensor.type) {
    case 0: return {ElementType::F32, 0, "F32"};
    case 1: return {ElementType::F16, 0, "F16"};
    case 30: return {ElementType::BF16, 0, "BF16"};
  }
  if (const auto quant = gguf_quant_type(tensor.type)) {
    if (tensor.size == 0)
      gguf.file().fail("tensor '" + tensor.name + "' of type " + quant->name + " has rows that are not whole blocks");
    return {std::nullopt, tensor.type, quant->name};
  }
  gguf.file().fail("tensor '" + tensor.name + "' has ggml type " + std::to_string(tensor.type) +
                   ", which sprig cannot read (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K and Q6_K are supported)");
}

// "blk.3.attn_q.weight" -> "blk.3.attn_q", "blk.3.attn_q.bias" -> "blk.3.attn_q_bias"; "" for
// tensors sprig does not use.
std::string model_name(const std::string& gguf_name) {
  static const std::set<std::string> kLayerKinds = {
      "attn_norm", "attn_q",   "attn_k",  "attn_v",      "attn_output", "ffn_norm",           "ffn_gate",
      "ffn_down",  "ffn_up",   "attn_qkv", "attn_q_norm", "attn_k_norm", "post_attention_norm", "post_ffw_norm"};
  static const std::set<std::string> kModelKinds = {"token_embd",   "output_norm",       "output",
                                                    "position_embd", "rope_freqs",       "rope_factors_long",
                                                    "rope_factors_short"};
  std::string base, suffix;
  for (const char* s : {".weight", ".bias"})
    if (gguf_name.ends_with(s)) {
      base = gguf_name.substr(0, gguf_name.size() - std::strlen(s));
      suffix = s;
    }
  if (base.empty()) return "";
  const bool bias = suffix == ".bias";
  std::string kind = base;
  if (base.rfind("blk.", 0) == 0) {
    const size_t dot = base.rfind('.');
    kind = base.substr(dot + 1);
    if (!kLayerKinds.count(kind)) return "";
    std::string ours = kind == "post_attention_norm" ? "attn_post_norm" : kind == "post_ffw_norm" ? "ffn_post_norm" : kind;
    return base.substr(0, dot + 1) + ours + (bias ? "_bias" : "");
  }
  if (!kModelKinds.count(kind)) return "";
  return base + (bias ? "_bias" : "");
}

std::vector<float> halves_to_interleaved(const std::vector<float>& w, uint64_t rows, uint64_t cols, uint32_t head_dim) {
  std::vector<float> out(w.size());
  const uint64_t half = head_dim / 2;
  for (uint64_t head = 0; head < rows / head_dim; ++head)
    for (uint64_t i = 0; i < half; ++i) {
      std::copy_n(&w[(head * head_dim + i) * cols], cols, &out[(head * head_dim + 2 * i) * cols]);
      std::copy_n(&w[(head * head_dim + i + half) * cols], cols, &out[(head * head_dim + 2 * i + 1) * cols]);
    }
  return out;
}

}  // namespace

Checkpoint read_gguf(const std::string& path) {
  GgufFile gguf(path);
  const std::string arch = gguf.get_string("general.architecture");
  static const std::map<std::string, Architecture> kArchitectures = {
      {"llama", Architecture::Llama}, {"qwen2", Architecture::Qwen2}, {"qwen3", Architecture::Qwen3},
      {"phi3", Architecture::Phi3},   {"gemma2", Architecture::Gemma2}, {"gemma3", Architecture::Gemma3},
      {"gpt2", Architecture::Gpt2}};
  const auto known = kArchitectures.find(arch);
  if (known == kArchitectures.end())
    gguf.file().fail("general.architecture '" + arch + "' is not supported for GGUF input (llama, qwen2, qwen3, phi3, "
                     "gemma2, gemma3 and gpt2 are)");
  const std::string k = arch + ".";
  const bool neox = arch != "llama" && arch != "gpt2";

  Checkpoint checkpoint;
  checkpoint.source = path;
  checkpoint.source_format = "gguf";
  if (gguf.has("tokenizer.ggml.model")) checkpoint.tokenizer = read_gguf_tokenizer(gguf);
  Hyperparameters& hp = checkpoint.hparams;
  FamilyOptions& family = checkpoint.family;
  family.architecture = known->second;
  auto u32 = [&](const std::string& key) {
    const uint64_t v = gguf.get_uint(key);
    if (v == 0 || v > 0xffffffffu) gguf.file().fail(key + " " + std::to_string(v) + " is out of range");
    return uint32_t(v);
  };
  hp.dim = u32(k + "embedding_length");
  hp.n_layers = u32(k + "block_count");
  hp.n_heads = u32(k + "attention.head_count");
  hp.n_kv_heads = gguf.has(k + "attention.head_count_kv") ? u32(k + "attention.head_count_kv") : hp.n_heads;
  hp.head_dim = gguf.has(k + "attention.key_length")     ? u32(k + "attention.key_length")
                : gguf.has(k + "rope.dimension_count") ? u32(k + "rope.dimension_count")
                                                         : hp.dim / hp.n_heads;
  hp.ffn_dim = u32(k + "feed_forward_length");
  hp.max_positions = u32(k + "context_length");
  hp.vocab_size = gguf.has(k + "vocab_size") ? u32(k + "vocab_size") : uint32_t(checkpoint.tokenizer.pieces.size());
  if (gguf.has(k + "rope.freq_base")) hp.rope_theta = float(gguf.get_float(k + "rope.freq_base"));
  if (arch == "gpt2") {
    hp.norm_eps = float(gguf.get_float(k + "attention.layer_norm_epsilon"));
    family.norm = NormKind::LayerNorm;
    family.activation = Activation::GeluTanh;
    family.learned_positions = true;
  } else {
    hp.norm_eps = float(gguf.get_float(k + "attention.layer_norm_rms_epsilon"));
  }
  check_hyperparameters(hp, path, {k + "embedding_length", k + "block_count", k + "attention.head_count",
                                   k + "attention.head_count_kv", k + "attention.key_length", k + "feed_forward_length",
                                   k + "vocab_size", k + "context_length", k + "rope.freq_base",
                                   k + (arch == "gpt2" ? "attention.layer_norm_epsilon" : "attention.layer_norm_rms_epsilon")});
  std::vector<double> rope_freqs, rope_freqs_long, rope_freqs_swa;
  double qk_scale = 1.0;
  if (arch == "gemma2" || arch == "gemma3") {
    family.activation = Activation::GeluTanhGated;
    family.embedding_scale = std::sqrt(float(hp.dim));
    // The 27B models (46 and 62 layers) scale by hidden / heads, the others by head_dim.
    const bool is_27b = hp.n_layers == (arch == "gemma2" ? 46u : 62u);
    family.attention_scale = 1.0f / std::sqrt(float(is_27b ? hp.dim / hp.n_heads : hp.head_dim));
    if (arch == "gemma2") {
      if (gguf.has(k + "attn_logit_softcapping")) family.attention_softcap = float(gguf.get_float(k + "attn_logit_softcapping"));
      if (gguf.has(k + "final_logit_softcapping")) family.output_softcap = float(gguf.get_float(k + "final_logit_softcapping"));
    }
    if (gguf.has(k + "attention.sliding_window")) {
      family.sliding_window = u32(k + "attention.sliding_window");
      for (uint32_t i = 0; i < hp.n_layers; ++i)
        family.sliding_layers.push_back(arch == "gemma2" ? i % 2 == 0 : (i + 1) % 6 != 0);
    }
    if (!(family.attention_softcap >= 0 && family.output_softcap >= 0)) gguf.file().fail("soft-capping must not be negative");
  }
  if (arch == "phi3") {
    if (gguf.has(k + "attention.sliding_window")) {
      family.sliding_window = u32(k + "attention.sliding_window");
      family.sliding_layers.assign(hp.n_layers, true);
    }
    if (gguf.has(k + "rope.scaling.attn_factor")) qk_scale = gguf.get_float(k + "rope.scaling.attn_factor");
    if (!(qk_scale > 0 && std::isfinite(qk_scale))) gguf.file().fail(k + "rope.scaling.attn_factor is not positive");
  }
  const std::string scaling = gguf.has(k + "rope.scaling.type") ? gguf.get_string(k + "rope.scaling.type") : "none";
  if (arch == "gemma3") rope_freqs_swa = default_rope_frequencies(10000.0, hp.head_dim);  // local layers' base
  if (scaling == "linear")
    rope_freqs = linear_rope_frequencies(hp.rope_theta, hp.head_dim, gguf.get_float(k + "rope.scaling.factor"));
  else if (scaling != "none")
    gguf.file().fail(k + "rope.scaling.type '" + scaling + "' is not supported (none and linear are)");

  auto shared_file = gguf.shared_file();
  const GgufTensor* embedding = nullptr;
  const GgufTensor* output = nullptr;
  for (const GgufTensor& tensor : gguf.tensors()) {
    const std::string name = model_name(tensor.name);
    if (name.empty()) gguf.file().fail("unexpected tensor '" + tensor.name + "' for the " + arch + " architecture");
    const Decoder decoder = decoder_of(gguf, tensor);
    if (name == "token_embd") embedding = &tensor;
    if (name == "output") output = &tensor;
    const std::vector<uint64_t> shape(tensor.dims.rbegin(), tensor.dims.rend());
    uint64_t count = 1;
    for (uint64_t d : shape) count *= d;
    const uint64_t offset = tensor.offset, bytes = tensor.size;
    auto load_all = [shared_file, offset, bytes, count, decoder, name]() {
      const uint8_t* data = shared_file->bytes(offset, bytes, name);
      return decoder.plain ? decode_elements(data, count, *decoder.plain) : dequantize_gguf(data, count, decoder.quant_type);
    };
    if (name == "rope_factors_short" || name == "rope_factors_long") {
      // Phi-3's longrope factors, also divisors; the long ones serve contexts beyond the original.
      if (shape.size() != 1 || shape[0] != hp.head_dim / 2) gguf.file().fail(name + " must hold head_dim / 2 values");
      const std::vector<float> divisors = load_all();
      std::vector<double>& target = name == "rope_factors_long" ? rope_freqs_long : rope_freqs;
      target = default_rope_frequencies(hp.rope_theta, hp.head_dim);
      for (size_t i = 0; i < target.size(); ++i) {
        if (!(divisors[i] > 0)) gguf.file().fail(name + " holds a factor that is not positive");
        target[i] /= divisors[i];
      }
      if (name == "rope_factors_long") family.rope_long_context = u32(k + "rope.scaling.original_context_length");
      continue;
    }
    if (name == "rope_freqs") {
      // llama.cpp stores llama3's scaling as divisors of the default frequencies.
      if (shape.size() != 1 || shape[0] != hp.head_dim / 2) gguf.file().fail("rope_freqs must hold head_dim / 2 values");
      const std::vector<float> divisors = load_all();
      rope_freqs = default_rope_frequencies(hp.rope_theta, hp.head_dim);
      for (size_t i = 0; i < rope_freqs.size(); ++i) {
        if (!(divisors[i] > 0)) gguf.file().fail("rope_freqs holds a factor that is not positive");
        rope_freqs[i] /= divisors[i];
      }
      continue;
    }
    // Fused q/k/v (gpt2): split into rows of q_dim, kv_dim, kv_dim.
    std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> pieces;
    if (name.ends_with("attn_qkv") || name.ends_with("attn_qkv_bias")) {
      const std::string stem = name.substr(0, name.find("attn_qkv"));
      const std::string suffix = name.ends_with("_bias") ? "_bias" : "";
      if (shape[0] != uint64_t(hp.q_dim()) + 2 * hp.kv_dim())
        gguf.file().fail("tensor '" + tensor.name + "' does not hold q, k and v rows");
      pieces = {{stem + "attn_q" + suffix, {0, hp.q_dim()}},
                {stem + "attn_k" + suffix, {hp.q_dim(), hp.kv_dim()}},
                {stem + "attn_v" + suffix, {uint64_t(hp.q_dim()) + hp.kv_dim(), hp.kv_dim()}}};
    } else if (arch == "phi3" && name.ends_with("ffn_up") && shape[0] == 2 * uint64_t(hp.ffn_dim)) {
      const std::string stem = name.substr(0, name.size() - std::strlen("ffn_up"));
      pieces = {{stem + "ffn_gate", {0, hp.ffn_dim}}, {stem + "ffn_up", {hp.ffn_dim, hp.ffn_dim}}};
    } else {
      pieces = {{name, {0, shape[0]}}};
    }
    const uint64_t cols = shape.size() > 1 ? count / shape[0] : 1;
    for (const auto& [piece, range] : pieces) {
      const bool permute = neox && (piece.ends_with("attn_q") || piece.ends_with("attn_k") || piece.ends_with("attn_q_bias") ||
                                    piece.ends_with("attn_k_bias") || piece.ends_with("attn_q_norm") ||
                                    piece.ends_with("attn_k_norm"));
      if (permute && range.second % hp.head_dim != 0)
        gguf.file().fail("tensor '" + tensor.name + "' is not a whole number of heads");
      std::vector<uint64_t> piece_shape = shape;
      piece_shape[0] = range.second;
      const uint32_t head_dim = hp.head_dim;
      const uint64_t first = range.first, rows = range.second;
      const bool rotated = piece.ends_with("attn_q") || piece.ends_with("attn_k") || piece.ends_with("attn_q_bias") ||
                           piece.ends_with("attn_k_bias");
      const double scale = rotated ? qk_scale : 1.0;
      checkpoint.tensors.push_back(
          {piece, piece_shape, decoder.name, [load_all, first, rows, cols, permute, head_dim, scale]() {
             std::vector<float> all = load_all();
             std::vector<float> values(all.begin() + ptrdiff_t(first * cols), all.begin() + ptrdiff_t((first + rows) * cols));
             if (scale != 1.0)
               for (float& v : values) v = float(double(v) * scale);
             return permute ? halves_to_interleaved(values, rows, cols, head_dim) : values;
           }});
    }
  }
  for (const auto& [table, values] : {std::pair{"rope_freqs", rope_freqs}, std::pair{"rope_freqs_long", rope_freqs_long},
                                      std::pair{"rope_freqs_swa", rope_freqs_swa}})
    if (!values.empty())
      checkpoint.tensors.push_back({table, {values.size()}, "computed", [values = values]() {
                                      return std::vector<float>(values.begin(), values.end());
                                    }});
  if (family.rope_long_context && rope_freqs.empty()) gguf.file().fail("rope_factors_long without rope_factors_short");
  // Without a vocab_size key or a tokenizer, the embedding's rows are the vocabulary.
  if (hp.vocab_size == 0 && embedding && embedding->dims.size() == 2) {
    if (embedding->dims[1] > 0xffffffffu) gguf.file().fail("token_embd has too many rows");
    hp.vocab_size = uint32_t(embedding->dims[1]);
  }
  // Conversions of tied models often store the head as a copy of the embedding: keep one.
  hp.tied_output = output == nullptr;
  if (embedding && output && embedding->type == output->type && embedding->dims == output->dims &&
      std::memcmp(gguf.file().data() + embedding->offset, gguf.file().data() + output->offset, embedding->size) == 0) {
    hp.tied_output = true;
    std::erase_if(checkpoint.tensors, [](const SourceTensor& t) { return t.name == "output"; });
  }
  return checkpoint;
}

}  // namespace sprig::convert
