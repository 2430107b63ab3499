// generation_config.json: the ids that end generation and the sampling the model's authors
// chose. transformers samples only when do_sample is true, and then fills what the file leaves
// out with its own defaults (temperature 1, top_p 1, top_k 50); sprig stores the same values so
// a model samples as it does there. Without do_sample it decodes greedily, which is sprig's own
// default, so nothing is stored.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include "tokenizer_support.h"

namespace sprig::convert {
namespace {

using nlohmann::json;

constexpr float kTransformersTemperature = 1.0f, kTransformersTopP = 1.0f;
constexpr int32_t kTransformersTopK = 50;

float number_in(const json& config, const char* name, float low, float high, bool low_open, const std::string& path) {
  const json& value = config[name];
  if (!value.is_number()) throw ConvertError(path + ": " + name + " is " + value.dump() + ", not a number");
  const double x = value.get<double>();
  if (!std::isfinite(x) || x < low || x > high || (low_open && x == low))
    throw ConvertError(path + ": " + name + " " + value.dump() + " is outside " + (low_open ? "(" : "[") +
                       std::to_string(low) + ", " + std::to_string(high) + "]");
  return float(x);
}

}  // namespace

GenerationData read_generation_config(const std::string& folder, size_t vocab_size) {
  const std::filesystem::path file = std::filesystem::path(folder) / "generation_config.json";
  GenerationData generation;
  if (!std::filesystem::exists(file)) {
    generation.note = "no generation_config.json: EOS ends generation, sampling as the runtime's defaults";
    return generation;
  }
  const std::string path = file.string();
  const json config = read_json_file(path);
  if (!config.is_object()) throw ConvertError(path + ": not a JSON object");
  generation.present = true;

  if (config.contains("eos_token_id") && !config["eos_token_id"].is_null()) {
    const json& eos = config["eos_token_id"];
    const json ids = eos.is_array() ? eos : json::array({eos});
    if (ids.size() > 64) throw ConvertError(path + ": eos_token_id lists " + std::to_string(ids.size()) + " ids (at most 64)");
    for (const json& id : ids) {
      if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= int64_t(vocab_size))
        throw ConvertError(path + ": eos_token_id " + id.dump() + " is not a token of the vocabulary of " +
                           std::to_string(vocab_size));
      const int32_t value = id.get<int32_t>();
      if (std::find(generation.stop_ids.begin(), generation.stop_ids.end(), value) == generation.stop_ids.end())
        generation.stop_ids.push_back(value);
    }
  }

  const json& do_sample = config.contains("do_sample") ? config["do_sample"] : json(false);
  if (!do_sample.is_boolean()) throw ConvertError(path + ": do_sample is " + do_sample.dump() + ", not true or false");
  if (do_sample.get<bool>()) {
    generation.temperature = config.contains("temperature")
                                 ? number_in(config, "temperature", 0.0f, 100.0f, false, path)
                                 : kTransformersTemperature;
    generation.top_p = config.contains("top_p") ? number_in(config, "top_p", 0.0f, 1.0f, true, path) : kTransformersTopP;
    if (config.contains("top_k")) {
      const json& k = config["top_k"];
      if (!k.is_number_integer() || k.get<int64_t>() < 0 || k.get<int64_t>() > (1 << 24))
        throw ConvertError(path + ": top_k " + k.dump() + " is not a whole number in 0..16777216");
      generation.top_k = k.get<int32_t>();
    } else {
      generation.top_k = kTransformersTopK;
    }
    generation.note = "generation_config.json: sampling by default";
  } else {
    generation.note = "generation_config.json: greedy by default (do_sample is not true)";
  }
  return generation;
}

void add_generation_stops(ChatTemplateData& chat, const GenerationData& generation) {
  if (!chat.present) return;
  for (int32_t id : generation.stop_ids)
    if (std::find(chat.stop_ids.begin(), chat.stop_ids.end(), id) == chat.stop_ids.end()) chat.stop_ids.push_back(id);
}

}  // namespace sprig::convert
