// GGUF tokenizer metadata (tokenizer.ggml.*): SentencePiece ("llama": pieces with scores) and
// byte-level BPE ("gpt2": pieces with ranked merges and a named split pattern). Works for
// vocab-only files, which hold no tensors.
#include "gguf_file.h"
#include "tokenizer_support.h"

namespace sprig::convert {

TokenizerData read_gguf_tokenizer(const GgufFile& gguf) {
  const std::string model = gguf.get_string("tokenizer.ggml.model");
  TokenizerData tokenizer;
  tokenizer.source_format = "gguf";
  if (model == "gpt2") {
    tokenizer.kind = TokenizerKind::ByteLevelBpe;
    tokenizer.add_bos = false;
    tokenizer.add_space_prefix = false;
  } else if (model != "llama") {
    gguf.file().fail("tokenizer model '" + model + "' is not supported (SentencePiece 'llama' and byte-level 'gpt2' are)");
  }
  const GgufArray tokens = gguf.get_array("tokenizer.ggml.tokens");
  if (!tokens.holds_strings()) gguf.file().fail("tokenizer.ggml.tokens holds a non-string");
  tokenizer.pieces.reserve(tokens.size());
  tokens.for_each_string([&](std::string_view piece) { tokenizer.pieces.emplace_back(piece); });
  const size_t n = tokenizer.pieces.size();
  // Arrays of another length than the vocabulary are refused before anything is built from them.
  if (gguf.has("tokenizer.ggml.scores")) {
    const GgufArray scores = gguf.get_array("tokenizer.ggml.scores");
    if (!scores.holds_floats()) gguf.file().fail("tokenizer.ggml.scores holds a non-number");
    if (scores.size() != n) gguf.file().fail("tokenizer arrays have different lengths");
    tokenizer.scores.reserve(n);
    for (uint64_t i = 0; i < n; ++i) tokenizer.scores.push_back(float(scores.float_at(i)));
  } else {
    tokenizer.scores.assign(n, 0.0f);
  }
  if (gguf.has("tokenizer.ggml.token_type")) {
    const GgufArray types = gguf.get_array("tokenizer.ggml.token_type");
    if (!types.holds_signed()) gguf.file().fail("tokenizer.ggml.token_type holds an unknown type");
    if (types.size() != n) gguf.file().fail("tokenizer arrays have different lengths");
    tokenizer.types.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      const int64_t type = types.signed_at(i);
      if (type < 0 || type > 6) gguf.file().fail("tokenizer.ggml.token_type holds an unknown type");
      tokenizer.types.push_back(TokenType(type));
    }
  } else {
    tokenizer.types.assign(n, TokenType::Normal);
  }
  if (tokenizer.scores.size() != n || tokenizer.types.size() != n)
    gguf.file().fail("tokenizer arrays have different lengths");
  auto id = [&](const char* key, int32_t fallback) {
    auto value = gguf.find_uint(key);
    // llama.cpp writes -1 as an unsigned 32-bit value for "no such token".
    if (!value || *value == 0xffffffffu) return fallback;
    if (*value >= n) gguf.file().fail(std::string(key) + " " + std::to_string(*value) + " is outside the vocabulary");
    return int32_t(*value);
  };
  tokenizer.bos_id = id("tokenizer.ggml.bos_token_id", -1);
  tokenizer.eos_id = id("tokenizer.ggml.eos_token_id", -1);
  tokenizer.unk_id = id("tokenizer.ggml.unknown_token_id", -1);
  tokenizer.pad_id = id("tokenizer.ggml.padding_token_id", -1);
  if (gguf.has("tokenizer.ggml.add_bos_token")) tokenizer.add_bos = gguf.get_bool("tokenizer.ggml.add_bos_token");
  if (gguf.has("tokenizer.ggml.add_space_prefix"))
    tokenizer.add_space_prefix = gguf.get_bool("tokenizer.ggml.add_space_prefix");

  if (gguf.has("tokenizer.chat_template")) tokenizer.chat_template_source = gguf.get_string("tokenizer.chat_template");

  if (tokenizer.kind == TokenizerKind::ByteLevelBpe) {
    if (!gguf.has("tokenizer.ggml.pre")) gguf.file().fail("byte-level tokenizer without tokenizer.ggml.pre (its split pattern)");
    const ByteLevelPattern pattern = pattern_from_gguf_name(gguf.get_string("tokenizer.ggml.pre"), gguf.file().path());
    tokenizer.pre_tokenizer = pattern.pre_tokenizer;
    tokenizer.normalizer = pattern.normalizer;
    tokenizer.ignore_merges = pattern.ignore_merges;
    std::vector<std::pair<std::string, std::string>> merges;
    const GgufArray merge_array = gguf.get_array("tokenizer.ggml.merges");
    if (!merge_array.holds_strings()) gguf.file().fail("tokenizer.ggml.merges holds a non-string");
    merges.reserve(merge_array.size());
    merge_array.for_each_string([&](std::string_view merge) { merges.push_back(split_merge(std::string(merge), gguf.file().path())); });
    tokenizer.merges = resolve_merges(tokenizer.pieces, merges, gguf.file().path());
  }
  return tokenizer;
}

TokenizerData read_gguf_tokenizer(const std::string& path) { return read_gguf_tokenizer(GgufFile(path)); }

}  // namespace sprig::convert
