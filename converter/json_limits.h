// Every JSON file the converter reads (config.json, safetensors headers, tokenizer.json,
// tokenizer_config.json, vocab.json, the shard index) goes through here: nesting is bounded while
// parsing (no real file nests deeper than a few levels; 100k levels exhausted the stack), a key
// given twice in one object is refused (which of the two would win is the library's choice, not
// the file author's), and messages quote at most a short excerpt of the input.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace sprig::convert {

constexpr int kMaxJsonDepth = 64;

// `source` names the file in errors (ConvertError).
nlohmann::json parse_json_text(std::string_view text, const std::string& source);
nlohmann::json parse_json_file(const std::string& path);

// A value for an error message: its JSON text, cut to `limit` bytes with "..." after.
std::string json_excerpt(const nlohmann::json& value, size_t limit = 80);

// A token id: a JSON integer (not a float, not negative) below `limit`; else ConvertError
// naming the file and `field`.
uint32_t json_token_id(const nlohmann::json& value, uint64_t limit, const std::string& source, const std::string& field);

}  // namespace sprig::convert
