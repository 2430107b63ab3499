// What the tokenizer readers share: recognising split patterns, resolving merges written as
// text, and reading tokenizer_config.json.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint.h"
#include "json_limits.h"

namespace sprig::convert {

class GgufFile;

TokenizerData read_gguf_tokenizer(const GgufFile& gguf);

// How a byte-level BPE tokenizer splits and normalizes text.
struct ByteLevelPattern {
  PreTokenizer pre_tokenizer = PreTokenizer::Gpt2;
  Normalizer normalizer = Normalizer::Identity;
  bool ignore_merges = false;
};
// From GGUF's tokenizer.ggml.pre, a tokenizer_config.json tokenizer_class, or tokenizer.json's
// pre_tokenizer and normalizer. Anything unknown is a ConvertError naming it: a wrong split
// would silently give wrong ids.
ByteLevelPattern pattern_from_gguf_name(const std::string& name, const std::string& source);
ByteLevelPattern pattern_from_tokenizer_class(const std::string& tokenizer_class, const std::string& source);
ByteLevelPattern pattern_from_json(const nlohmann::json& pre_tokenizer, const nlohmann::json& normalizer,
                                   const std::string& source);

// Merges given as piece pairs, in rank order, become id triples; a pair whose pieces or union
// are not in the vocabulary is an error.
std::vector<TokenMerge> resolve_merges(const std::vector<std::string>& pieces,
                                       const std::vector<std::pair<std::string, std::string>>& merges,
                                       const std::string& source);
// "left right" as merges.txt and GGUF write it.
std::pair<std::string, std::string> split_merge(const std::string& line, const std::string& source);

nlohmann::json read_json_file(const std::string& path);
// Applies tokenizer_config.json: added tokens (special ones become Control, others
// UserDefined), bos/eos/unk/pad ids and add_bos_token. Returns its tokenizer_class ("" if none).
std::string apply_tokenizer_config(const std::string& path, TokenizerData& tokenizer);

}  // namespace sprig::convert
