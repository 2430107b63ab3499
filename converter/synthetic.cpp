// Random-weight models with the exact shapes of models people run on devices, so speed and
// memory can be measured (and compared with published numbers) without downloading weights.
// Weights are N(0, 0.02) from a generator seeded by each tensor's name; norms are 1.
#include <random>

#include "checkpoint.h"

namespace sprig::convert {
namespace {

struct Shape {
  const char* name;
  uint32_t dim, ffn_dim, layers, heads, kv_heads, vocab, context;
  float rope_theta;
};

constexpr Shape kShapes[] = {
    {"smollm2-135m", 576, 1536, 30, 9, 3, 49152, 8192, 100000.0f},
    {"qwen2.5-0.5b", 896, 4864, 24, 14, 2, 151936, 32768, 1000000.0f},
    {"llama-3.2-1b", 2048, 8192, 16, 32, 8, 128256, 131072, 500000.0f},
    // Not a published model: small enough that a 150K-token vocabulary dominates, for chat tests.
    {"tiny-llama", 64, 172, 2, 4, 2, 512, 2048, 10000.0f},
};

// A SentencePiece-style vocabulary: <unk>, <s>, </s>, the 256 byte pieces, then filler pieces.
TokenizerData synthetic_tokenizer(uint32_t vocab_size) {
  TokenizerData tokenizer;
  auto add = [&](std::string piece, TokenType type) {
    tokenizer.pieces.push_back(std::move(piece));
    tokenizer.scores.push_back(-float(tokenizer.pieces.size()));
    tokenizer.types.push_back(type);
  };
  add("<unk>", TokenType::Unknown);
  add("<s>", TokenType::Control);
  add("</s>", TokenType::Control);
  const char* hex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b) add(std::string("<0x") + hex[b / 16] + hex[b % 16] + ">", TokenType::Byte);
  while (tokenizer.pieces.size() < vocab_size) add("<filler_" + std::to_string(tokenizer.pieces.size()) + ">",
                                                   TokenType::UserDefined);
  tokenizer.unk_id = 0;
  tokenizer.bos_id = 1;
  tokenizer.eos_id = 2;
  return tokenizer;
}

}  // namespace

std::vector<std::string> synthetic_names() {
  std::vector<std::string> names;
  for (const Shape& s : kShapes) names.push_back(s.name);
  return names;
}

Checkpoint synthetic_checkpoint(const std::string& name, uint32_t vocab_size) {
  const Shape* shape = nullptr;
  for (const Shape& s : kShapes)
    if (name == s.name) shape = &s;
  if (!shape) {
    std::string known;
    for (const std::string& n : synthetic_names()) known += " " + n;
    throw ConvertError("unknown synthetic model '" + name + "'; known:" + known);
  }
  Checkpoint checkpoint;
  checkpoint.source = "synthetic:" + name;
  checkpoint.source_format = "synthetic";
  Hyperparameters& hp = checkpoint.hparams;
  hp.dim = shape->dim;
  hp.ffn_dim = shape->ffn_dim;
  hp.n_layers = shape->layers;
  hp.n_heads = shape->heads;
  hp.n_kv_heads = shape->kv_heads;
  hp.head_dim = shape->dim / shape->heads;
  hp.vocab_size = vocab_size ? vocab_size : shape->vocab;
  hp.max_positions = shape->context;
  hp.rope_theta = shape->rope_theta;
  hp.norm_eps = 1e-5f;
  hp.tied_output = true;
  checkpoint.tokenizer = synthetic_tokenizer(hp.vocab_size);

  auto add = [&](const std::string& tensor, std::vector<uint64_t> dims) {
    checkpoint.tensors.push_back({tensor, dims, "F32", [tensor, dims]() {
                                    uint64_t count = 1;
                                    for (uint64_t d : dims) count *= d;
                                    std::vector<float> values(count, 1.0f);
                                    if (dims.size() == 1) return values;
                                    std::mt19937_64 rng(std::hash<std::string>{}(tensor));
                                    std::normal_distribution<float> normal(0.0f, 0.02f);
                                    for (float& v : values) v = normal(rng);
                                    return values;
                                  }});
  };
  const uint64_t dim = hp.dim, ffn = hp.ffn_dim;
  add("token_embd", {hp.vocab_size, dim});
  for (uint32_t l = 0; l < hp.n_layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    add(p + "attn_norm", {dim});
    add(p + "attn_q", {hp.q_dim(), dim});
    add(p + "attn_k", {hp.kv_dim(), dim});
    add(p + "attn_v", {hp.kv_dim(), dim});
    add(p + "attn_output", {dim, hp.q_dim()});
    add(p + "ffn_norm", {dim});
    add(p + "ffn_gate", {ffn, dim});
    add(p + "ffn_up", {ffn, dim});
    add(p + "ffn_down", {dim, ffn});
  }
  add("output_norm", {dim});
  return checkpoint;
}

}  // namespace sprig::convert
