// Chooses the tokenizer reader from what the source is: tokenizer.json, a folder holding one
// (or vocab.json + merges.txt), a GGUF file, or else a llama2.c tokenizer .bin.
#include <filesystem>

#include "gguf_file.h"
#include "tokenizer_support.h"

namespace sprig::convert {
TokenizerData read_tokenizer_source(const std::string& path, uint32_t vocab_size) {
  namespace fs = std::filesystem;
  if (!fs::exists(path)) throw ConvertError(path + ": no such file or folder");
  TokenizerData tokenizer;
  if (fs::is_directory(path)) {
    if (fs::exists(fs::path(path) / "tokenizer.json"))
      tokenizer = read_tokenizer_json((fs::path(path) / "tokenizer.json").string());
    else if (fs::exists(fs::path(path) / "vocab.json") && fs::exists(fs::path(path) / "merges.txt"))
      tokenizer = read_vocab_merges(path);
    else
      throw ConvertError(path + ": the folder has neither tokenizer.json nor vocab.json + merges.txt");
  } else if (fs::path(path).extension() == ".json") {
    tokenizer = read_tokenizer_json(path);
  } else if (is_gguf_file(path)) {
    tokenizer = read_gguf_tokenizer(path);
  } else {
    tokenizer = read_llama2c_tokenizer(path, vocab_size);
  }
  validate_tokenizer(tokenizer, path);
  return tokenizer;
}

void validate_tokenizer(const TokenizerData& tok, const std::string& source) {
  const size_t n = tok.pieces.size();
  if (n == 0) throw ConvertError(source + ": the tokenizer has no tokens");
  if (tok.scores.size() != n || tok.types.size() != n)
    throw ConvertError(source + ": the tokenizer's pieces, scores and types differ in length");
  for (int32_t id : {tok.bos_id, tok.eos_id, tok.unk_id, tok.pad_id})
    if (id < -1 || id >= int32_t(n)) throw ConvertError(source + ": special token id " + std::to_string(id) + " is outside the vocabulary");
  for (const TokenMerge& m : tok.merges)
    for (int32_t id : {m.left, m.right, m.result})
      if (id < 0 || id >= int32_t(n)) throw ConvertError(source + ": a merge names token " + std::to_string(id) + ", outside the vocabulary");
  // Merges build text from text: a merge whose result is a control or added token would turn
  // plain typed text ("<|im_end|>") into that token without parse_special.
  for (size_t rank = 0; rank < tok.merges.size(); ++rank) {
    const int32_t result = tok.merges[rank].result;
    if (tok.types[size_t(result)] == TokenType::Control || tok.types[size_t(result)] == TokenType::UserDefined)
      throw ConvertError(source + ": merge " + std::to_string(rank) + " produces '" + tok.pieces[size_t(result)].substr(0, 60) +
                         "', a special token; merges may only produce ordinary tokens");
  }
  if (tok.kind == TokenizerKind::ByteLevelBpe && tok.pre_tokenizer == PreTokenizer::Whole)
    throw ConvertError(source + ": a byte-level tokenizer needs a split pattern");
}

}  // namespace sprig::convert
