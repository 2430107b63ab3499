// tokenizer_config.json: the special and added tokens a Hugging Face tokenizer declares beside
// its vocabulary, which of them are BOS/EOS/UNK/PAD, and whether BOS is added.
#include <algorithm>
#include <fstream>

#include "tokenizer_support.h"

namespace sprig::convert {

nlohmann::json read_json_file(const std::string& path) {
  return parse_json_file(path);
}

std::string apply_tokenizer_config(const std::string& path, TokenizerData& tokenizer) {
  const nlohmann::json config = read_json_file(path);
  if (!config.is_object()) throw ConvertError(path + ": not a JSON object");
  try {
    if (config.contains("added_tokens_decoder")) {
      // JSON keys sort as text ("100" < "99"); tokens past the vocabulary must come in id order.
      std::vector<std::pair<unsigned long, nlohmann::json>> added;
      for (const auto& [key, entry] : config["added_tokens_decoder"].items()) {
        size_t used = 0;
        const unsigned long id = std::stoul(key, &used);
        if (used != key.size() || id >= (1u << 22)) throw ConvertError(path + ": added token id '" + key + "' is invalid");
        added.emplace_back(id, entry);
      }
      std::sort(added.begin(), added.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [id, entry] : added) {
        const std::string key = std::to_string(id);
        const std::string content = entry.at("content").get<std::string>();
        if (content.empty()) throw ConvertError(path + ": added token " + key + " is empty");
        if (id >= tokenizer.pieces.size()) {
          // Ids past the vocabulary extend it; gaps would be tokens nobody defined.
          if (id > tokenizer.pieces.size())
            throw ConvertError(path + ": added token " + key + " leaves a gap after the vocabulary of " +
                               std::to_string(tokenizer.pieces.size()));
          tokenizer.pieces.push_back(content);
          tokenizer.scores.push_back(0.0f);
          tokenizer.types.push_back(TokenType::Normal);
        } else if (tokenizer.pieces[id] != content) {
          throw ConvertError(path + ": added token " + key + " '" + content + "' differs from the vocabulary's '" +
                             tokenizer.pieces[id] + "'");
        }
        tokenizer.types[id] = entry.value("special", false) ? TokenType::Control : TokenType::UserDefined;
      }
    }
    auto special_id = [&](const char* name, int32_t fallback) {
      if (!config.contains(name) || config[name].is_null()) return fallback;
      const nlohmann::json& value = config[name];
      const std::string content = value.is_string() ? value.get<std::string>() : value.at("content").get<std::string>();
      for (size_t id = 0; id < tokenizer.pieces.size(); ++id)
        if (tokenizer.pieces[id] == content) return int32_t(id);
      throw ConvertError(path + ": " + name + " '" + content + "' is not in the vocabulary");
    };
    tokenizer.bos_id = special_id("bos_token", tokenizer.bos_id);
    tokenizer.eos_id = special_id("eos_token", tokenizer.eos_id);
    tokenizer.unk_id = special_id("unk_token", tokenizer.unk_id);
    tokenizer.pad_id = special_id("pad_token", tokenizer.pad_id);
    if (config.contains("chat_template")) {
      const nlohmann::json& chat = config["chat_template"];
      if (chat.is_string()) {
        tokenizer.chat_template_source = chat.get<std::string>();
      } else if (chat.is_array()) {
        // Named templates ({"name": "default", "template": ...}, "tool_use", "rag"): chat uses the default.
        for (const auto& entry : chat)
          if (entry.value("name", "") == "default") tokenizer.chat_template_source = entry.at("template").get<std::string>();
      }
    }
    if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean())
      tokenizer.add_bos = config["add_bos_token"].get<bool>();
    return config.contains("tokenizer_class") && config["tokenizer_class"].is_string()
               ? config["tokenizer_class"].get<std::string>()
               : "";
  } catch (const nlohmann::json::exception& e) {
    throw ConvertError(path + ": unexpected content: " + e.what());
  } catch (const std::invalid_argument&) {
    throw ConvertError(path + ": an added token id is not a number");
  } catch (const std::out_of_range&) {
    throw ConvertError(path + ": an added token id is out of range");
  }
}

}  // namespace sprig::convert
