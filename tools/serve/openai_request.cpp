#include "openai_request.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include <nlohmann/json.hpp>

namespace sprig::serve {
namespace {

using nlohmann::json;

// Parses an object body: malformed JSON (invalid UTF-8 included: the parser checks it), too
// deep, or not an object are errors naming what is wrong.
Expected<json> parse_object(std::string_view body) {
  if (json_depth(body) > kMaxJsonDepth)
    return bad_request("the request body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  json parsed = json::parse(body.begin(), body.end(), nullptr, false);
  if (parsed.is_discarded())
    return bad_request("the request body is not valid JSON (or not valid UTF-8)", {}, "invalid_json");
  if (!parsed.is_object()) return bad_request("the request body must be a JSON object");
  return parsed;
}

std::string type_name(const json& value) { return value.type_name(); }

ApiError wrong_type(const std::string& field, const char* expected, const json& value) {
  return bad_request("'" + field + "' must be " + expected + ", not " + type_name(value), field, "invalid_type");
}

// Optional number within [low, high]; absent or null keeps `out`.
std::optional<ApiError> read_number(const json& body, const char* field, float low, float high, float& out) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) return wrong_type(field, "a number", *it);
  const double v = it->get<double>();
  if (!(v >= low && v <= high))
    return bad_request("'" + std::string(field) + "' must be within [" + std::to_string(low) + ", " +
                           std::to_string(high) + "], not " + it->dump(),
                       field, "invalid_value");
  out = float(v);
  return std::nullopt;
}

std::optional<ApiError> read_integer(const json& body, const char* field, int64_t low, int64_t high,
                                     std::optional<int64_t>& out) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number_integer() && !it->is_number_unsigned()) return wrong_type(field, "an integer", *it);
  if (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
    return bad_request("'" + std::string(field) + "' is out of range", field, "invalid_value");
  const int64_t v = it->get<int64_t>();
  if (v < low || v > high)
    return bad_request("'" + std::string(field) + "' must be within [" + std::to_string(low) + ", " +
                           std::to_string(high) + "], not " + std::to_string(v),
                       field, "invalid_value");
  out = v;
  return std::nullopt;
}

std::optional<ApiError> read_bool(const json& body, const char* field, bool& out) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) return wrong_type(field, "true or false", *it);
  out = it->get<bool>();
  return std::nullopt;
}

std::optional<ApiError> read_string(const json& body, const char* field, std::string& out) {
  const auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) return wrong_type(field, "a string", *it);
  out = it->get<std::string>();
  return std::nullopt;
}

// The fields chat and completions share. `logprobs_count`: completions give logprobs as a
// count of alternatives, chat as a flag with top_logprobs beside it.
std::optional<ApiError> read_sampling(const json& body, bool logprobs_count, SamplingRequest& s) {
  if (auto e = read_number(body, "temperature", 0.0f, 2.0f, s.temperature)) return e;
  if (auto e = read_number(body, "top_p", 0.0f, 1.0f, s.top_p)) return e;
  if (auto e = read_number(body, "min_p", 0.0f, 1.0f, s.min_p)) return e;
  if (auto e = read_number(body, "presence_penalty", -2.0f, 2.0f, s.presence_penalty)) return e;
  if (auto e = read_number(body, "frequency_penalty", -2.0f, 2.0f, s.frequency_penalty)) return e;
  std::optional<int64_t> v;
  if (auto e = read_integer(body, "top_k", 0, 1 << 24, v)) return e;
  if (v) s.top_k = uint32_t(*v);
  v.reset();
  if (auto e = read_integer(body, "seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), v))
    return e;
  if (v) s.seed = uint64_t(*v);
  for (const char* field : {"max_tokens", "max_completion_tokens"}) {
    v.reset();
    if (auto e = read_integer(body, field, 1, 1 << 24, v)) return e;
    if (v) s.max_tokens = uint32_t(*v);
  }
  v.reset();
  if (auto e = read_integer(body, "n", 1, 1, v)) return e;
  if (auto e = read_bool(body, "stream", s.stream)) return e;
  if (const auto it = body.find("stream_options"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return wrong_type("stream_options", "an object", *it);
    if (auto e = read_bool(*it, "include_usage", s.include_usage)) return e;
  }
  if (const auto it = body.find("stop"); it != body.end() && !it->is_null()) {
    if (it->is_string()) {
      s.stop.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      if (it->size() > kMaxStopStrings)
        return bad_request("'stop' takes at most " + std::to_string(kMaxStopStrings) + " strings", "stop");
      for (const json& item : *it) {
        if (!item.is_string()) return wrong_type("stop", "a string or an array of strings", item);
        s.stop.push_back(item.get<std::string>());
      }
    } else {
      return wrong_type("stop", "a string or an array of strings", *it);
    }
    for (const std::string& stop : s.stop)
      if (stop.empty()) return bad_request("'stop' strings must not be empty", "stop");
  }
  if (const auto it = body.find("logit_bias"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return wrong_type("logit_bias", "an object of token id: bias", *it);
    if (it->size() > kMaxLogitBias)
      return bad_request("'logit_bias' takes at most " + std::to_string(kMaxLogitBias) + " tokens", "logit_bias");
    for (const auto& [key, value] : it->items()) {
      char* end = nullptr;
      const long id = key.empty() || key.size() > 9 ? -1 : std::strtol(key.c_str(), &end, 10);
      if (id < 0 || end != key.c_str() + key.size())
        return bad_request("'logit_bias' keys must be token ids, not '" + key + "'", "logit_bias");
      if (!value.is_number() || !(value.get<double>() >= -100.0 && value.get<double>() <= 100.0))
        return bad_request("'logit_bias' values must be numbers within [-100, 100]", "logit_bias");
      s.logit_bias.emplace_back(int32_t(id), float(value.get<double>()));
    }
  }
  if (logprobs_count) {
    v.reset();
    if (auto e = read_integer(body, "logprobs", 0, kMaxTopLogprobs, v)) return e;
    if (v) {
      s.logprobs = true;
      s.top_logprobs = uint32_t(*v);
    }
  } else {
    if (auto e = read_bool(body, "logprobs", s.logprobs)) return e;
    v.reset();
    if (auto e = read_integer(body, "top_logprobs", 0, kMaxTopLogprobs, v)) return e;
    if (v) {
      if (!s.logprobs) return bad_request("'top_logprobs' needs 'logprobs': true", "top_logprobs");
      s.top_logprobs = uint32_t(*v);
    }
  }
  return std::nullopt;
}

// A message's content: a string, or an array of {"type": "text", "text": ...} parts.
std::optional<ApiError> read_content(const json& message, const std::string& field, std::string& out) {
  const auto it = message.find("content");
  if (it == message.end() || it->is_null()) return bad_request("'" + field + ".content' is required", field);
  if (it->is_string()) {
    out = it->get<std::string>();
    return std::nullopt;
  }
  if (!it->is_array()) return wrong_type(field + ".content", "a string or an array of text parts", *it);
  for (const json& part : *it) {
    if (!part.is_object()) return wrong_type(field + ".content[]", "an object", part);
    const auto type = part.find("type");
    const auto text = part.find("text");
    if (type == part.end() || *type != "text" || text == part.end() || !text->is_string())
      return bad_request("'" + field + ".content' parts must be {\"type\": \"text\", \"text\": \"...\"}: this model reads text only",
                         field + ".content");
    out += text->get<std::string>();
  }
  return std::nullopt;
}

}  // namespace

size_t json_depth(std::string_view body) {
  size_t depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
      if (deepest > kMaxJsonDepth) return deepest;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

Expected<ChatRequest> parse_chat_request(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed) return parsed.error();
  const json& j = parsed.value();
  ChatRequest request;
  if (auto e = read_string(j, "model", request.model)) return *e;
  const auto messages = j.find("messages");
  if (messages == j.end()) return bad_request("'messages' is required", "messages");
  if (!messages->is_array()) return wrong_type("messages", "an array", *messages);
  if (messages->empty()) return bad_request("'messages' must not be empty", "messages");
  for (size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string field = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) return wrong_type(field, "an object", m);
    RequestMessage message;
    if (auto e = read_string(m, "role", message.role)) return *e;
    if (message.role == "developer") message.role = "system";
    if (message.role != "system" && message.role != "user" && message.role != "assistant")
      return bad_request("'" + field + ".role' must be system, user or assistant, not '" + message.role + "'",
                         field + ".role", "invalid_role");
    if (auto e = read_content(m, field, message.content)) return *e;
    request.messages.push_back(std::move(message));
  }
  if (request.messages.back().role != "user")
    return bad_request("the last message must be the user's", "messages");
  if (auto e = read_sampling(j, false, request.sampling)) return *e;
  return request;
}

Expected<CompletionRequest> parse_completion_request(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed) return parsed.error();
  const json& j = parsed.value();
  CompletionRequest request;
  if (auto e = read_string(j, "model", request.model)) return *e;
  const auto prompt = j.find("prompt");
  if (prompt == j.end() || prompt->is_null()) return bad_request("'prompt' is required", "prompt");
  if (prompt->is_string()) {
    request.prompt = prompt->get<std::string>();
  } else if (prompt->is_array() && prompt->size() == 1 && (*prompt)[0].is_string()) {
    request.prompt = (*prompt)[0].get<std::string>();
  } else {
    return bad_request("'prompt' must be a string (or an array of one string)", "prompt", "invalid_type");
  }
  if (auto e = read_bool(j, "echo", request.echo)) return *e;
  if (auto e = read_sampling(j, true, request.sampling)) return *e;
  return request;
}

Expected<TokenizeRequest> parse_tokenize_request(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed) return parsed.error();
  const json& j = parsed.value();
  TokenizeRequest request;
  if (j.find("content") == j.end()) return bad_request("'content' is required", "content");
  if (auto e = read_string(j, "content", request.content)) return *e;
  if (auto e = read_bool(j, "add_special", request.add_special)) return *e;
  if (auto e = read_bool(j, "with_pieces", request.with_pieces)) return *e;
  return request;
}

Expected<DetokenizeRequest> parse_detokenize_request(std::string_view body) {
  auto parsed = parse_object(body);
  if (!parsed) return parsed.error();
  const json& j = parsed.value();
  const auto tokens = j.find("tokens");
  if (tokens == j.end()) return bad_request("'tokens' is required", "tokens");
  if (!tokens->is_array()) return wrong_type("tokens", "an array of token ids", *tokens);
  DetokenizeRequest request;
  for (const json& t : *tokens) {
    if (!t.is_number_integer() && !t.is_number_unsigned()) return wrong_type("tokens[]", "an integer", t);
    const int64_t id = t.is_number_unsigned() && t.get<uint64_t>() > uint64_t(INT32_MAX) ? -1 : t.get<int64_t>();
    if (id < 0 || id > INT32_MAX) return bad_request("'tokens' holds " + t.dump() + ", not a token id", "tokens");
    request.tokens.push_back(int32_t(id));
  }
  return request;
}

}  // namespace sprig::serve
