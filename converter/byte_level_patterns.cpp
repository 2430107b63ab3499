// Recognises the split patterns of byte-level BPE tokenizers by name or by their
// tokenizer.json description, so the device scans a known pattern instead of running a regex.
#include "tokenizer_support.h"

namespace sprig::convert {
namespace {

constexpr const char* kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kGpt2Regex = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// One step of a tokenizer.json pre-tokenizer, reduced to what changes the split.
std::string describe_step(const nlohmann::json& step) {
  const std::string type = step.value("type", "?");
  if (type == "ByteLevel") {
    std::string text = step.value("use_regex", true) ? "ByteLevel(gpt2 regex)" : "ByteLevel";
    if (step.value("add_prefix_space", false)) text += "(add_prefix_space)";
    return text;
  }
  if (type == "Split") {
    const nlohmann::json& pattern = step.value("pattern", nlohmann::json::object());
    std::string regex = pattern.contains("Regex") ? pattern["Regex"].get<std::string>()
                                                  : "literal:" + pattern.value("String", std::string());
    if (regex == kQwen2Regex) regex = "qwen2";
    if (regex == kLlama3Regex) regex = "llama3";
    if (regex == kGpt2Regex) regex = "gpt2";
    return "Split(" + regex + ", " + step.value("behavior", "?") + (step.value("invert", false) ? ", inverted" : "") +
           ")";
  }
  if (type == "Punctuation") return "Punctuation(" + step.value("behavior", "Isolated") + ")";
  if (type == "Digits") return step.value("individual_digits", false) ? "Digits(individual)" : "Digits(contiguous)";
  return json_excerpt(step, 200);
}

}  // namespace

ByteLevelPattern pattern_from_gguf_name(const std::string& name, const std::string& source) {
  ByteLevelPattern p;
  if (name == "gpt-2") return p;
  if (name == "mpt") return {PreTokenizer::Gpt2, Normalizer::Nfc, false};  // GPT-NeoX's tokenizer applies NFC
  if (name == "qwen2") return {PreTokenizer::Qwen2, Normalizer::Nfc, false};
  if (name == "llama-bpe" || name == "llama3") return {PreTokenizer::Llama3, Normalizer::Identity, true};
  if (name == "falcon") return {PreTokenizer::Falcon, Normalizer::Identity, false};
  if (name == "smollm") return {PreTokenizer::SmolLm, Normalizer::Identity, false};
  throw ConvertError(source + ": tokenizer.ggml.pre '" + name +
                     "' is a split pattern sprig does not know (it knows gpt-2, mpt, qwen2, llama-bpe, falcon, smollm)");
}

ByteLevelPattern pattern_from_tokenizer_class(const std::string& tokenizer_class, const std::string& source) {
  if (tokenizer_class == "GPT2Tokenizer" || tokenizer_class == "GPT2TokenizerFast") return {};
  if (tokenizer_class == "Qwen2Tokenizer" || tokenizer_class == "Qwen2TokenizerFast")
    return {PreTokenizer::Qwen2, Normalizer::Nfc, false};
  throw ConvertError(source + ": tokenizer_class '" + tokenizer_class +
                     "' has no split pattern sprig knows for vocab.json + merges.txt (GPT2Tokenizer, "
                     "Qwen2Tokenizer); convert from its tokenizer.json instead");
}

ByteLevelPattern pattern_from_json(const nlohmann::json& pre_tokenizer, const nlohmann::json& normalizer,
                                   const std::string& source) {
  std::string steps;
  if (pre_tokenizer.is_object() && pre_tokenizer.value("type", "") == "Sequence" &&
      pre_tokenizer.contains("pretokenizers")) {
    for (const auto& step : pre_tokenizer["pretokenizers"]) steps += (steps.empty() ? "" : " + ") + describe_step(step);
  } else if (pre_tokenizer.is_object()) {
    steps = describe_step(pre_tokenizer);
  } else {
    steps = "none";
  }
  ByteLevelPattern p;
  if (steps == "ByteLevel(gpt2 regex)" || steps == "Split(gpt2, Isolated) + ByteLevel")
    p.pre_tokenizer = PreTokenizer::Gpt2;
  else if (steps == "Split(qwen2, Isolated) + ByteLevel")
    p.pre_tokenizer = PreTokenizer::Qwen2;
  else if (steps == "Split(llama3, Isolated) + ByteLevel")
    p.pre_tokenizer = PreTokenizer::Llama3;
  else if (steps == "Punctuation(Contiguous) + ByteLevel(gpt2 regex) + Digits(contiguous) + Split([0-9][0-9][0-9], Isolated)")
    p.pre_tokenizer = PreTokenizer::Falcon;
  else if (steps == "Digits(individual) + ByteLevel(gpt2 regex)")
    p.pre_tokenizer = PreTokenizer::SmolLm;
  else
    throw ConvertError(source + ": pre_tokenizer [" + steps + "] is not a split pattern sprig knows");

  const std::string form = normalizer.is_object() ? normalizer.value("type", "") : "";
  if (normalizer.is_null())
    p.normalizer = Normalizer::Identity;
  else if (form == "NFC")
    p.normalizer = Normalizer::Nfc;
  else if (form == "NFKC")
    p.normalizer = Normalizer::Nfkc;
  else
    throw ConvertError(source + ": normalizer " + json_excerpt(normalizer) + " is not supported for byte-level BPE");
  return p;
}

}  // namespace sprig::convert
