// The tokenizer files a Hugging Face folder holds beside config.json, as people download them.
// One tokenizer source is chosen (tokenizer.json, else vocab.json + merges.txt, else a
// SentencePiece tokenizer.model); tokenizer_config.json adds special tokens and the chat
// template, special_tokens_map.json names the special tokens the config leaves out, and a
// separate chat_template.jinja (the newer layout) replaces the config's template.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tokenizer_support.h"

namespace sprig::convert {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A chat template file is text; anything larger than this is not one.
constexpr uintmax_t kMaxTemplateBytes = 1 << 20;

std::string read_template_file(const fs::path& path) {
  std::error_code error;
  const uintmax_t size = fs::file_size(path, error);
  if (error) throw ConvertError(path.string() + ": cannot read its size: " + error.message());
  if (size > kMaxTemplateBytes)
    throw ConvertError(path.string() + ": " + std::to_string(size) + " bytes is too large for a chat template (limit " +
                       std::to_string(kMaxTemplateBytes) + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConvertError(path.string() + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty()) throw ConvertError(path.string() + ": the chat template file is empty");
  return text.str();
}

// special_tokens_map.json: {"bos_token": "<s>" or {"content": "<s>", ...}, ...}. Only the names
// tokenizer_config.json does not give are taken, since transformers lets the config win.
void apply_special_tokens_map(const fs::path& path, const fs::path& config_path, TokenizerData& tokenizer) {
  const json map = read_json_file(path.string());
  if (!map.is_object()) throw ConvertError(path.string() + ": not a JSON object");
  json config = json::object();
  if (fs::exists(config_path)) config = read_json_file(config_path.string());
  const std::pair<const char*, int32_t*> kSlots[] = {{"bos_token", &tokenizer.bos_id},
                                                     {"eos_token", &tokenizer.eos_id},
                                                     {"unk_token", &tokenizer.unk_id},
                                                     {"pad_token", &tokenizer.pad_id}};
  for (const auto& [name, slot] : kSlots) {
    if (!map.contains(name) || map[name].is_null()) continue;
    if (config.is_object() && config.contains(name) && !config[name].is_null()) continue;
    const json& value = map[name];
    std::string content;
    if (value.is_string()) content = value.get<std::string>();
    else if (value.is_object() && value.contains("content") && value["content"].is_string())
      content = value["content"].get<std::string>();
    else throw ConvertError(path.string() + ": " + name + " is neither a string nor {\"content\": ...}");
    int32_t found = -1;
    for (size_t id = 0; id < tokenizer.pieces.size() && found < 0; ++id)
      if (tokenizer.pieces[id] == content) found = int32_t(id);
    if (found < 0) throw ConvertError(path.string() + ": " + name + " '" + content + "' is not in the vocabulary");
    *slot = found;
  }
}

}  // namespace

TokenizerData read_hf_folder_tokenizer(const std::string& folder_name) {
  const fs::path folder(folder_name);
  const fs::path config = folder / "tokenizer_config.json";
  TokenizerData tokenizer;
  if (fs::exists(folder / "tokenizer.json")) {
    tokenizer = read_tokenizer_json((folder / "tokenizer.json").string());  // applies tokenizer_config.json
  } else if (fs::exists(folder / "vocab.json") || fs::exists(folder / "merges.txt")) {
    if (!fs::exists(folder / "vocab.json") || !fs::exists(folder / "merges.txt"))
      throw ConvertError(folder_name + ": has " + (fs::exists(folder / "vocab.json") ? "vocab.json" : "merges.txt") +
                         " without " + (fs::exists(folder / "vocab.json") ? "merges.txt" : "vocab.json") +
                         "; a GPT-2 style tokenizer needs both");
    tokenizer = read_vocab_merges(folder_name);  // applies tokenizer_config.json
  } else if (fs::exists(folder / "tokenizer.model")) {
    tokenizer = read_sentencepiece_model((folder / "tokenizer.model").string());
    if (fs::exists(config)) apply_tokenizer_config(config.string(), tokenizer);
  } else {
    throw ConvertError(folder_name + ": no tokenizer in the folder (looked for tokenizer.json, vocab.json + merges.txt "
                       "and tokenizer.model); pass one with --tokenizer");
  }
  if (fs::exists(folder / "special_tokens_map.json"))
    apply_special_tokens_map(folder / "special_tokens_map.json", config, tokenizer);
  if (fs::exists(folder / "chat_template.jinja"))
    tokenizer.chat_template_source = read_template_file(folder / "chat_template.jinja");
  validate_tokenizer(tokenizer, folder_name);
  return tokenizer;
}

}  // namespace sprig::convert
