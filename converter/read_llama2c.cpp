// llama2.c checkpoints: the legacy format (7 int32 then f32 weights) and export version 1
// (256-byte header with magic "ak42"). Weights rotate interleaved RoPE pairs, as the model
// file does, so they are copied without permutation.
#include <memory>

#include "byte_reader.h"
#include "checkpoint.h"
#include "element_types.h"
#include "hparam_limits.h"

namespace sprig::convert {
namespace {

constexpr uint32_t kVersionMagic = 0x616b3432;

struct Llama2cHeader {
  int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

}  // namespace

Checkpoint read_llama2c(const std::string& path) {
  auto file = std::make_shared<InputFile>(path);
  ByteReader reader(*file);
  const uint32_t magic = reader.read<uint32_t>("header");
  bool version1 = false;
  if (magic == kVersionMagic) {
    const int32_t version = reader.read<int32_t>("version");
    if (version != 1)
      file->fail("llama2.c export version " + std::to_string(version) +
                 " is not supported (only legacy and version 1 f32 exports are)");
    version1 = true;
  } else {
    reader = ByteReader(*file, 0);
  }
  Llama2cHeader h;
  for (int32_t* field : {&h.dim, &h.hidden_dim, &h.n_layers, &h.n_heads, &h.n_kv_heads, &h.vocab_size, &h.seq_len})
    *field = reader.read<int32_t>("header");
  bool shared_classifier = h.vocab_size > 0;
  if (version1) shared_classifier = reader.read<uint8_t>("header") != 0;
  // A negative vocab_size means an untied classifier; widened first, so INT32_MIN negates.
  const int64_t vocab = h.vocab_size < 0 ? -int64_t(h.vocab_size) : h.vocab_size;

  auto positive = [](int64_t v, int64_t max) { return v > 0 && v <= max; };
  if (!positive(h.dim, 1 << 16) || !positive(h.hidden_dim, 1 << 20) || !positive(h.n_layers, 1024) ||
      !positive(h.n_heads, 1 << 12) || !positive(h.n_kv_heads, 1 << 12) || !positive(vocab, 1 << 22) ||
      !positive(h.seq_len, 1 << 24) || h.dim % h.n_heads != 0 || h.n_heads % h.n_kv_heads != 0)
    file->fail("not a llama2.c checkpoint: implausible header (dim " + std::to_string(h.dim) + ", layers " +
               std::to_string(h.n_layers) + ", heads " + std::to_string(h.n_heads) + "/" +
               std::to_string(h.n_kv_heads) + ", vocab " + std::to_string(h.vocab_size) + ")");

  Checkpoint checkpoint;
  Hyperparameters& hp = checkpoint.hparams;
  hp.dim = uint32_t(h.dim);
  hp.n_layers = uint32_t(h.n_layers);
  hp.n_heads = uint32_t(h.n_heads);
  hp.n_kv_heads = uint32_t(h.n_kv_heads);
  hp.head_dim = hp.dim / hp.n_heads;
  hp.ffn_dim = uint32_t(h.hidden_dim);
  hp.vocab_size = uint32_t(vocab);
  hp.max_positions = uint32_t(h.seq_len);
  hp.rope_theta = 10000.0f;
  hp.norm_eps = 1e-5f;
  hp.tied_output = shared_classifier;
  checkpoint.source = path;
  checkpoint.source_format = version1 ? "llama2c-v1" : "llama2c";
  check_hyperparameters(hp, path, {"dim", "n_layers", "n_heads", "n_kv_heads", "dim / n_heads", "hidden_dim",
                                   "vocab_size", "seq_len", "rope_theta", "norm_eps"});

  uint64_t offset = version1 ? 256 : reader.offset();
  auto add = [&](const std::string& name, std::vector<uint64_t> shape) {
    uint64_t count = 1;
    for (uint64_t d : shape) count *= d;
    const uint64_t at = offset;
    offset += count * 4;
    checkpoint.tensors.push_back({name, shape, "F32", [file, at, count, name]() {
                                    return decode_elements(file->bytes(at, count * 4, name), count, ElementType::F32);
                                  }});
  };
  // Per-layer tensors are stored stacked: all layers of one kind, then the next kind.
  auto add_layers = [&](const std::string& kind, std::vector<uint64_t> shape) {
    for (uint32_t l = 0; l < hp.n_layers; ++l) add("blk." + std::to_string(l) + "." + kind, shape);
  };
  const uint64_t dim = hp.dim, kv = hp.kv_dim(), ffn = hp.ffn_dim;
  auto add_matrices = [&]() {
    add_layers("attn_q", {dim, dim});
    add_layers("attn_k", {kv, dim});
    add_layers("attn_v", {kv, dim});
    add_layers("attn_output", {dim, dim});
    add_layers("ffn_gate", {ffn, dim});
    add_layers("ffn_down", {dim, ffn});
    add_layers("ffn_up", {ffn, dim});
  };
  if (version1) {
    add_layers("attn_norm", {dim});
    add_layers("ffn_norm", {dim});
    add("output_norm", {dim});
    add("token_embd", {hp.vocab_size, dim});
    add_matrices();
  } else {
    add("token_embd", {hp.vocab_size, dim});
    add_layers("attn_norm", {dim});
    // Legacy order: wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, freq_cis.
    add_layers("attn_q", {dim, dim});
    add_layers("attn_k", {kv, dim});
    add_layers("attn_v", {kv, dim});
    add_layers("attn_output", {dim, dim});
    add_layers("ffn_norm", {dim});
    add_layers("ffn_gate", {ffn, dim});
    add_layers("ffn_down", {dim, ffn});
    add_layers("ffn_up", {ffn, dim});
    add("output_norm", {dim});
    offset += 2ull * 4 * hp.max_positions * (hp.head_dim / 2);  // freq_cis tables: recomputed at run time
  }
  if (!shared_classifier) add("output", {hp.vocab_size, dim});
  if (offset != file->size())
    file->fail("file size " + std::to_string(file->size()) + " does not match the shapes in its header (expected " +
               std::to_string(offset) + " bytes)");
  return checkpoint;
}

TokenizerData read_llama2c_tokenizer(const std::string& path, uint32_t vocab_size) {
  InputFile file(path);
  ByteReader reader(file);
  const int32_t max_length = reader.read<int32_t>("max token length");
  if (max_length <= 0 || max_length > 1 << 16) file.fail("not a llama2.c tokenizer: implausible max token length");
  TokenizerData tokenizer;
  tokenizer.bos_id = 1;
  tokenizer.eos_id = 2;
  tokenizer.unk_id = 0;
  // The file does not say how many tokens it holds: read up to the model's vocabulary, or fewer
  // when the file ends first (a padded vocabulary: validate() accepts fewer tokens than rows).
  for (uint32_t id = 0; (vocab_size == 0 || id < vocab_size) && reader.remaining() > 0; ++id) {
    const float score = reader.read<float>("token score");
    const int32_t length = reader.read<int32_t>("token length");
    if (length < 0 || length > max_length)
      file.fail("token " + std::to_string(id) + " has length " + std::to_string(length));
    std::string text(reader.read_bytes(uint64_t(length), "token text"));
    // llama2.c writes SentencePiece pieces with plain spaces and wraps BOS/EOS in newlines.
    TokenType type = TokenType::Normal;
    if (id == 0) {
      type = TokenType::Unknown;
    } else if (id == 1 || id == 2) {
      type = TokenType::Control;
      text = id == 1 ? "<s>" : "</s>";
    } else if (text.size() == 6 && text.rfind("<0x", 0) == 0 && text[5] == '>') {
      type = TokenType::Byte;
    }
    std::string piece;
    for (char c : text) piece += c == ' ' ? std::string("\xe2\x96\x81") : std::string(1, c);
    tokenizer.pieces.push_back(std::move(piece));
    tokenizer.scores.push_back(score);
    tokenizer.types.push_back(type);
  }
  tokenizer.source_format = "llama2c";
  if (reader.remaining() != 0)
    file.fail("has " + std::to_string(reader.remaining()) + " bytes after " + std::to_string(vocab_size) +
              " tokens: it does not belong to a model with this vocabulary size");
  return tokenizer;
}

}  // namespace sprig::convert
