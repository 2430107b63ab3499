#include "json_limits.h"

#include <fstream>
#include <iterator>
#include <memory>
#include <unordered_set>
#include <vector>

#include "checkpoint.h"

namespace sprig::convert {
namespace {

using nlohmann::json;

std::string cut(std::string text, size_t limit) {
  if (text.size() > limit) text = text.substr(0, limit) + "...";
  return text;
}

// Tracks the containers being parsed: their depth, and each object's keys so far.
class StructureCheck {
 public:
  explicit StructureCheck(const std::string& source) : source_(source) {}

  void operator()(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (open_.size() >= size_t(kMaxJsonDepth))
          throw ConvertError(source_ + ": JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        open_.push_back(event == json::parse_event_t::object_start ? std::make_unique<std::unordered_set<std::string>>()
                                                                   : nullptr);
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        open_.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_.empty() && open_.back() && !open_.back()->insert(parsed.get<std::string>()).second)
          throw ConvertError(source_ + ": key \"" + cut(parsed.get<std::string>(), 60) + "\" appears twice in one object");
        break;
      case json::parse_event_t::value:
        break;
    }
  }

 private:
  const std::string& source_;
  std::vector<std::unique_ptr<std::unordered_set<std::string>>> open_;
};

}  // namespace

json parse_json_text(std::string_view text, const std::string& source) {
  StructureCheck check(source);
  try {
    return json::parse(text.begin(), text.end(), [&check](int, json::parse_event_t event, json& parsed) {
      check(event, parsed);
      return true;
    });
  } catch (const json::exception& e) {
    throw ConvertError(source + ": not valid JSON: " + cut(e.what(), 200));
  }
}

json parse_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConvertError(path + ": cannot open");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw ConvertError(path + ": cannot read");
  return parse_json_text(text, path);
}

std::string json_excerpt(const json& value, size_t limit) {
  return cut(value.dump(-1, ' ', false, json::error_handler_t::replace), limit);
}

uint32_t json_token_id(const json& value, uint64_t limit, const std::string& source, const std::string& field) {
  if (!value.is_number_unsigned() || value.get<uint64_t>() >= limit)
    throw ConvertError(source + ": " + field + " has id " + json_excerpt(value, 40) + "; ids are integers 0.." +
                       std::to_string(limit - 1));
  return uint32_t(value.get<uint64_t>());
}

}  // namespace sprig::convert
