// GGUF models of the llama architecture. llama.cpp's converters store q/k rows for interleaved
// RoPE pairs, the model file's convention, so tensors are copied without permutation.
#include <cstring>
#include <set>

#include "checkpoint.h"
#include "element_types.h"
#include "gguf_file.h"
#include "tokenizer_support.h"

namespace sprig::convert {
namespace {

ElementType element_type_of(const GgufFile& gguf, const GgufTensor& tensor) {
  switch (tensor.type) {
    case 0: return ElementType::F32;
    case 1: return ElementType::F16;
    case 30: return ElementType::BF16;
  }
  gguf.file().fail("tensor '" + tensor.name + "' has ggml type " + std::to_string(tensor.type) +
                   ", which sprig cannot read yet (F32, F16 and BF16 are supported)");
}

// Maps "blk.3.attn_q.weight" to "blk.3.attn_q"; returns "" for tensors sprig does not use.
std::string model_name(const std::string& gguf_name) {
  static const std::set<std::string> kLayerKinds = {"attn_norm", "attn_q",   "attn_k",  "attn_v", "attn_output",
                                                    "ffn_norm",  "ffn_gate", "ffn_down", "ffn_up"};
  const std::string suffix = ".weight";
  if (gguf_name.size() <= suffix.size() || gguf_name.compare(gguf_name.size() - suffix.size(), suffix.size(), suffix))
    return "";
  const std::string base = gguf_name.substr(0, gguf_name.size() - suffix.size());
  if (base == "token_embd" || base == "output_norm" || base == "output") return base;
  const size_t dot = base.rfind('.');
  if (base.rfind("blk.", 0) == 0 && dot != std::string::npos && kLayerKinds.count(base.substr(dot + 1))) return base;
  return "";
}

}  // namespace

Checkpoint read_gguf(const std::string& path) {
  GgufFile gguf(path);
  const std::string architecture = gguf.get_string("general.architecture");
  if (architecture != "llama")
    gguf.file().fail("architecture '" + architecture + "' is not supported yet (llama is)");
  if (gguf.has("llama.rope.scaling.type") && gguf.get_string("llama.rope.scaling.type") != "none")
    gguf.file().fail("llama.rope.scaling.type '" + gguf.get_string("llama.rope.scaling.type") +
                     "' is not supported yet");

  Checkpoint checkpoint;
  checkpoint.source = path;
  checkpoint.source_format = "gguf";
  checkpoint.tokenizer = read_gguf_tokenizer(gguf);
  Hyperparameters& hp = checkpoint.hparams;
  auto u32 = [&](const std::string& key) {
    const uint64_t v = gguf.get_uint(key);
    if (v == 0 || v > 0xffffffffu) gguf.file().fail(key + " " + std::to_string(v) + " is out of range");
    return uint32_t(v);
  };
  hp.dim = u32("llama.embedding_length");
  hp.n_layers = u32("llama.block_count");
  hp.n_heads = u32("llama.attention.head_count");
  hp.n_kv_heads = gguf.has("llama.attention.head_count_kv") ? u32("llama.attention.head_count_kv") : hp.n_heads;
  hp.head_dim = gguf.has("llama.rope.dimension_count") ? u32("llama.rope.dimension_count") : hp.dim / hp.n_heads;
  hp.ffn_dim = u32("llama.feed_forward_length");
  hp.max_positions = u32("llama.context_length");
  hp.vocab_size = gguf.has("llama.vocab_size") ? u32("llama.vocab_size") : uint32_t(checkpoint.tokenizer.pieces.size());
  if (gguf.has("llama.rope.freq_base")) hp.rope_theta = float(gguf.get_float("llama.rope.freq_base"));
  hp.norm_eps = float(gguf.get_float("llama.attention.layer_norm_rms_epsilon"));

  auto shared_file = gguf.shared_file();
  const GgufTensor* embedding = nullptr;
  const GgufTensor* output = nullptr;
  for (const GgufTensor& tensor : gguf.tensors()) {
    const std::string name = model_name(tensor.name);
    if (name.empty()) gguf.file().fail("unexpected tensor '" + tensor.name + "' for the llama architecture");
    const ElementType type = element_type_of(gguf, tensor);
    if (name == "token_embd") embedding = &tensor;
    if (name == "output") output = &tensor;
    std::vector<uint64_t> shape(tensor.dims.rbegin(), tensor.dims.rend());
    uint64_t count = 1;
    for (uint64_t d : shape) count *= d;
    const uint64_t offset = tensor.offset, bytes = tensor.size;
    checkpoint.tensors.push_back({name, shape, element_type_name(type), [shared_file, offset, bytes, count, type, name]() {
                                    return decode_elements(shared_file->bytes(offset, bytes, name), count, type);
                                  }});
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
