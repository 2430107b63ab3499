// The original GPT-2 format: vocab.json (piece -> id) and merges.txt (one "left right" per
// line, in rank order, after a "#version" line). The files carry no split pattern; the
// tokenizer_class of tokenizer_config.json names it, and without one GPT-2's own applies.
#include <filesystem>
#include <fstream>

#include "tokenizer_support.h"

namespace sprig::convert {

TokenizerData read_vocab_merges(const std::string& folder_name) {
  namespace fs = std::filesystem;
  const fs::path folder(folder_name);
  const std::string vocab_path = (folder / "vocab.json").string();
  const std::string merges_path = (folder / "merges.txt").string();
  TokenizerData tokenizer;
  tokenizer.kind = TokenizerKind::ByteLevelBpe;
  tokenizer.source_format = "vocab.json+merges.txt";
  tokenizer.add_bos = false;
  tokenizer.add_space_prefix = false;

  const nlohmann::json vocab = read_json_file(vocab_path);
  if (!vocab.is_object()) throw ConvertError(vocab_path + ": not a JSON object of piece -> id");
  tokenizer.pieces.resize(vocab.size());
  std::vector<bool> seen(vocab.size());
  for (const auto& [piece, id] : vocab.items()) {
    if (!id.is_number_unsigned() || id.get<uint64_t>() >= vocab.size() || seen[id.get<uint64_t>()])
      throw ConvertError(vocab_path + ": '" + piece + "' has id " + json_excerpt(id, 40) +
                         "; ids must be 0..n-1, each used once");
    seen[id.get<uint64_t>()] = true;
    tokenizer.pieces[id.get<uint64_t>()] = piece;
  }
  tokenizer.scores.assign(tokenizer.pieces.size(), 0.0f);
  tokenizer.types.assign(tokenizer.pieces.size(), TokenType::Normal);

  std::ifstream in(merges_path, std::ios::binary);
  if (!in) throw ConvertError(merges_path + ": cannot open");
  std::vector<std::pair<std::string, std::string>> merges;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // some copies have CRLF endings
    if (line.empty() || line.rfind("#version", 0) == 0) continue;
    merges.push_back(split_merge(line, merges_path));
  }
  tokenizer.merges = resolve_merges(tokenizer.pieces, merges, merges_path);

  ByteLevelPattern pattern;
  const fs::path config = folder / "tokenizer_config.json";
  if (fs::exists(config)) {
    const std::string tokenizer_class = apply_tokenizer_config(config.string(), tokenizer);
    pattern = pattern_from_tokenizer_class(tokenizer_class, config.string());
  } else {
    // GPT2Tokenizer's defaults: <|endoftext|> is BOS, EOS and UNK, and a control token.
    for (size_t id = 0; id < tokenizer.pieces.size(); ++id)
      if (tokenizer.pieces[id] == "<|endoftext|>") {
        tokenizer.types[id] = TokenType::Control;
        tokenizer.bos_id = tokenizer.eos_id = int32_t(id);
      }
  }
  tokenizer.pre_tokenizer = pattern.pre_tokenizer;
  tokenizer.normalizer = pattern.normalizer;
  tokenizer.ignore_merges = pattern.ignore_merges;
  return tokenizer;
}

}  // namespace sprig::convert
