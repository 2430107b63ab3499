// Hugging Face tokenizer.json with a BPE model: byte-level (a ByteLevel pre-tokenizer) or
// SentencePiece-style ("▁" for spaces, byte fallback). Every field that changes the ids is
// either understood or a ConvertError naming it.
#include <filesystem>
#include <unordered_map>

#include "tokenizer_support.h"

namespace sprig::convert {
namespace {

using nlohmann::json;

constexpr const char* kSpaceMark = "\xe2\x96\x81";

bool is_byte_piece(const std::string& piece) {
  return piece.size() == 6 && piece.rfind("<0x", 0) == 0 && piece[5] == '>' &&
         std::isxdigit(static_cast<unsigned char>(piece[3])) && std::isxdigit(static_cast<unsigned char>(piece[4]));
}

// SentencePiece's rules as tokenizer.json spells them: a normalizer that prepends "▁" and
// replaces spaces, or a Metaspace pre-tokenizer. Returns whether "▁" goes in front of the text.
bool sentencepiece_space_prefix(const json& normalizer, const json& pre_tokenizer, const std::string& source) {
  if (pre_tokenizer.is_object() && pre_tokenizer.value("type", "") == "Metaspace") {
    if (pre_tokenizer.value("split", false) || pre_tokenizer.value("replacement", "") != kSpaceMark)
      throw ConvertError(source + ": Metaspace pre-tokenizer " + json_excerpt(pre_tokenizer) + " is not supported");
    return pre_tokenizer.value("prepend_scheme", "always") != "never";
  }
  if (!pre_tokenizer.is_null())
    throw ConvertError(source + ": pre_tokenizer " + json_excerpt(pre_tokenizer) + " is not supported for SentencePiece BPE");
  std::vector<json> steps;
  if (normalizer.is_object() && normalizer.value("type", "") == "Sequence")
    steps = normalizer["normalizers"].get<std::vector<json>>();
  else if (!normalizer.is_null())
    steps = {normalizer};
  bool prepend = false, replace = false;
  for (const json& step : steps) {
    const std::string type = step.value("type", "");
    if (type == "Prepend" && step.value("prepend", "") == kSpaceMark && !replace) {
      prepend = true;
    } else if (type == "Replace" && step.contains("pattern") && step["pattern"].value("String", "") == " " &&
               step.value("content", "") == kSpaceMark) {
      replace = true;
    } else {
      throw ConvertError(source + ": normalizer step " + json_excerpt(step) + " is not supported for SentencePiece BPE");
    }
  }
  if (!replace) throw ConvertError(source + ": a byte-fallback BPE without the space -> \"▁\" rule is not supported");
  return prepend;
}

// TemplateProcessing that puts a special token before the text means BOS is added.
int32_t template_bos(const json& post_processor, const std::unordered_map<std::string, int32_t>& ids) {
  if (!post_processor.is_object() || post_processor.value("type", "") != "TemplateProcessing") return -1;
  for (const json& item : post_processor.value("single", json::array())) {
    if (item.contains("Sequence")) return -1;
    if (item.contains("SpecialToken")) {
      auto it = ids.find(item["SpecialToken"].value("id", ""));
      return it == ids.end() ? -1 : it->second;
    }
  }
  return -1;
}

}  // namespace

TokenizerData read_tokenizer_json(const std::string& path) {
  const json root = read_json_file(path);
  TokenizerData tokenizer;
  tokenizer.source_format = "tokenizer.json";
  try {
    const json& model = root.at("model");
    const std::string type = model.value("type", "");
    if (type != "BPE")
      throw ConvertError(path + ": tokenizer model '" + type + "' is not supported (BPE is)");
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix", "dropout"})
      if (model.contains(key) && !model[key].is_null())
        throw ConvertError(path + ": BPE option " + key + " = " + json_excerpt(model[key]) + " is not supported");

    // Pieces: the vocabulary plus added tokens, whose ids may lie past it.
    const json& vocab = model.at("vocab");
    const json added = root.value("added_tokens", json::array());
    if (!vocab.is_object()) throw ConvertError(path + ": model.vocab is not an object of piece -> id");
    if (!added.is_array()) throw ConvertError(path + ": added_tokens is not an array");
    // Ids are integers below the runtime's vocabulary bound, each naming one piece.
    constexpr uint32_t kMaxVocab = 1u << 22;
    size_t size = 0;
    for (const auto& [piece, id] : vocab.items())
      size = std::max<size_t>(size, json_token_id(id, kMaxVocab, path, "model.vocab '" + piece.substr(0, 60) + "'") + 1);
    for (const json& token : added) size = std::max<size_t>(size, json_token_id(token.at("id"), kMaxVocab, path, "an added token") + 1);
    if (size == 0) throw ConvertError(path + ": the vocabulary is empty");
    tokenizer.pieces.assign(size, std::string());
    tokenizer.types.assign(size, TokenType::Unused);
    tokenizer.scores.assign(size, 0.0f);
    std::vector<bool> in_vocab(size);
    std::unordered_map<std::string, int32_t> ids;
    for (const auto& [piece, id] : vocab.items()) {
      const size_t i = id.get<size_t>();
      if (in_vocab[i])
        throw ConvertError(path + ": model.vocab gives id " + std::to_string(i) + " to both '" +
                           tokenizer.pieces[i].substr(0, 60) + "' and '" + piece.substr(0, 60) + "'");
      in_vocab[i] = true;
      tokenizer.pieces[i] = piece;
      tokenizer.types[i] = TokenType::Normal;
      ids.emplace(piece, int32_t(i));
    }
    std::vector<bool> in_added(size);
    for (const json& token : added) {
      const size_t id = token.at("id").get<size_t>();
      const std::string content = token.at("content").get<std::string>();
      // An added token may repeat its vocabulary entry, never replace another piece or token.
      if (in_added[id] || (in_vocab[id] && tokenizer.pieces[id] != content))
        throw ConvertError(path + ": added token '" + content.substr(0, 60) + "' has id " + std::to_string(id) +
                           ", which is already '" + tokenizer.pieces[id].substr(0, 60) + "'");
      in_added[id] = true;
      tokenizer.pieces[id] = content;
      tokenizer.types[id] = token.value("special", false) ? TokenType::Control : TokenType::UserDefined;
      ids.emplace(tokenizer.pieces[id], int32_t(id));
    }

    std::vector<std::pair<std::string, std::string>> merges;
    for (const json& merge : model.at("merges")) {
      if (merge.is_string())
        merges.push_back(split_merge(merge.get<std::string>(), path));
      else
        merges.emplace_back(merge.at(0).get<std::string>(), merge.at(1).get<std::string>());
    }
    tokenizer.merges = resolve_merges(tokenizer.pieces, merges, path);

    const json normalizer = root.value("normalizer", json());
    const json pre_tokenizer = root.value("pre_tokenizer", json());
    tokenizer.bos_id = template_bos(root.value("post_processor", json()), ids);
    tokenizer.add_bos = tokenizer.bos_id >= 0;
    if (model.value("byte_fallback", false)) {
      tokenizer.kind = TokenizerKind::SentencePieceBpe;
      tokenizer.pre_tokenizer = PreTokenizer::Whole;
      tokenizer.add_space_prefix = sentencepiece_space_prefix(normalizer, pre_tokenizer, path);
      for (size_t id = 0; id < size; ++id)
        if (tokenizer.types[id] == TokenType::Normal && is_byte_piece(tokenizer.pieces[id]))
          tokenizer.types[id] = TokenType::Byte;
      // Scores for display and for older runtimes: earlier merges make better pieces.
      for (size_t rank = tokenizer.merges.size(); rank-- > 0;)
        tokenizer.scores[size_t(tokenizer.merges[rank].result)] = -float(rank);
      if (model.contains("unk_token") && model["unk_token"].is_string()) {
        auto it = ids.find(model["unk_token"].get<std::string>());
        if (it == ids.end()) throw ConvertError(path + ": unk_token is not in the vocabulary");
        tokenizer.unk_id = it->second;
        tokenizer.types[size_t(it->second)] = TokenType::Unknown;
      }
    } else {
      tokenizer.kind = TokenizerKind::ByteLevelBpe;
      tokenizer.add_space_prefix = false;
      const ByteLevelPattern pattern = pattern_from_json(pre_tokenizer, normalizer, path);
      tokenizer.pre_tokenizer = pattern.pre_tokenizer;
      tokenizer.normalizer = pattern.normalizer;
      tokenizer.ignore_merges = model.value("ignore_merges", false);
    }
  } catch (const json::exception& e) {
    throw ConvertError(path + ": unexpected content: " + e.what());
  }
  const std::filesystem::path config = std::filesystem::path(path).parent_path() / "tokenizer_config.json";
  if (std::filesystem::exists(config)) apply_tokenizer_config(config.string(), tokenizer);
  return tokenizer;
}

}  // namespace sprig::convert
