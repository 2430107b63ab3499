// What a model file says about its tokenizer: the pieces, their scores and types, the merges and
// the rules around them. The tokenizer reads it; the model file carries it (sprig/model.h).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sprig {

// Token types follow SentencePiece / GGUF numbering.
enum class TokenType : uint8_t {
  Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6
};

// Values follow the model file's enums (schemas/model.fbs).
enum class TokenizerKind : uint8_t { SentencePieceBpe = 0, ByteLevelBpe = 1 };
enum class PreTokenizer : uint8_t { Whole = 0, Gpt2 = 1, Llama3 = 2, Qwen2 = 3, Falcon = 4, SmolLm = 5 };
enum class Normalizer : uint8_t { Identity = 0, Nfc = 1, Nfkc = 2 };

// Adjacent tokens `left` and `right` become `result`; a merge's rank is its index.
struct TokenMerge {
  int32_t left, right, result;
};

struct Vocabulary {
  TokenizerKind kind = TokenizerKind::SentencePieceBpe;
  PreTokenizer pre_tokenizer = PreTokenizer::Whole;
  Normalizer normalizer = Normalizer::Identity;
  std::vector<std::string_view> pieces;  // point into the model file
  std::vector<float> scores;
  std::vector<TokenType> types;
  int32_t bos_id = -1;
  int32_t eos_id = -1;
  int32_t unk_id = -1;
  bool add_bos = true;
  bool add_space_prefix = true;
  std::vector<TokenMerge> merges;  // in rank order; empty when SentencePiece merges by score
  bool ignore_merges = false;      // a chunk that is a whole piece becomes that piece (Llama-3)
  // Tokens besides EOS that end generation (GenerationDefaults::stop_ids).
  std::vector<int32_t> stop_ids;
};

}  // namespace sprig
