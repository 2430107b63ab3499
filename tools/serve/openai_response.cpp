#include "openai_response.h"

#include <cmath>

namespace sprig::serve {

using nlohmann::json;

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string error_json(const ApiError& e) {
  json error = {{"message", e.message}, {"type", e.type()}, {"param", nullptr}, {"code", nullptr}};
  if (!e.param.empty()) error["param"] = e.param;
  if (!e.code.empty()) error["code"] = e.code;
  return dump(json{{"error", error}});
}

const char* finish_reason(Finish finish) { return finish == Finish::Stop ? "stop" : "length"; }

json usage_json(const SlotRun& run) {
  return {{"prompt_tokens", run.prompt_tokens},
          {"completion_tokens", run.completion_tokens},
          {"total_tokens", run.prompt_tokens + run.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", run.cached_tokens}}}};
}

json timings_json(const SlotRun& run) {
  const uint32_t prefilled = run.prompt_tokens - run.cached_tokens;
  return {{"prefill_tokens", prefilled},
          {"prefill_ms", run.prefill_seconds * 1e3},
          {"prefill_tokens_per_second", run.prefill_seconds > 0 ? prefilled / run.prefill_seconds : 0.0},
          {"decode_tokens", run.completion_tokens},
          {"decode_ms", run.decode_seconds * 1e3},
          {"decode_tokens_per_second", run.decode_seconds > 0 ? run.completion_tokens / run.decode_seconds : 0.0}};
}

std::string token_text(const Tokenizer& tokenizer, int32_t previous, int32_t token) {
  const std::string_view text = tokenizer.decode(previous, token);
  return text.empty() ? std::string(tokenizer.piece(token)) : std::string(text);
}

namespace {

json bytes_of(const std::string& text) {
  json bytes = json::array();
  for (unsigned char c : text) bytes.push_back(int(c));
  return bytes;
}

}  // namespace

json chat_logprob(const Tokenizer& tokenizer, const TokenLogprobs& lp) {
  const std::string chosen = token_text(tokenizer, lp.previous, lp.chosen.id);
  json top = json::array();
  for (const TokenChoice& c : lp.top) {
    const std::string text = token_text(tokenizer, lp.previous, c.id);
    top.push_back({{"token", text}, {"logprob", c.logprob}, {"bytes", bytes_of(text)}, {"id", c.id}});
  }
  return {{"token", chosen}, {"logprob", lp.chosen.logprob}, {"bytes", bytes_of(chosen)}, {"id", lp.chosen.id},
          {"top_logprobs", top}};
}

void CompletionLogprobs::add(const Tokenizer& tokenizer, const TokenLogprobs& lp, size_t offset) {
  tokens.push_back(token_text(tokenizer, lp.previous, lp.chosen.id));
  token_logprobs.push_back(lp.chosen.logprob);
  json top = json::object();
  for (const TokenChoice& c : lp.top) top[token_text(tokenizer, lp.previous, c.id)] = c.logprob;
  top_logprobs.push_back(top);
  text_offset.push_back(offset);
}

json CompletionLogprobs::to_json() const {
  return {{"tokens", tokens}, {"token_logprobs", token_logprobs}, {"top_logprobs", top_logprobs},
          {"text_offset", text_offset}};
}

json chat_completion(const ResponseHeader& h, std::string_view text, const json& logprobs, const SlotRun& run) {
  json choice = {{"index", 0},
                 {"message", {{"role", "assistant"}, {"content", std::string(text)}}},
                 {"logprobs", logprobs},
                 {"finish_reason", finish_reason(run.finish)}};
  return {{"id", h.id},          {"object", "chat.completion"}, {"created", h.created},
          {"model", h.model},    {"choices", json::array({choice})},
          {"usage", usage_json(run)}, {"timings", timings_json(run)}};
}

json chat_chunk(const ResponseHeader& h, const json& delta, const json& logprobs, const char* finish) {
  json choice = {{"index", 0}, {"delta", delta}, {"logprobs", logprobs},
                 {"finish_reason", finish ? json(finish) : json(nullptr)}};
  return {{"id", h.id}, {"object", "chat.completion.chunk"}, {"created", h.created}, {"model", h.model},
          {"choices", json::array({choice})}};
}

json text_completion(const ResponseHeader& h, std::string_view text, const json& logprobs, const SlotRun& run) {
  json choice = {{"index", 0}, {"text", std::string(text)}, {"logprobs", logprobs},
                 {"finish_reason", finish_reason(run.finish)}};
  return {{"id", h.id},       {"object", "text_completion"}, {"created", h.created},
          {"model", h.model}, {"choices", json::array({choice})},
          {"usage", usage_json(run)}, {"timings", timings_json(run)}};
}

json text_chunk(const ResponseHeader& h, std::string_view text, const json& logprobs, const char* finish) {
  json choice = {{"index", 0}, {"text", std::string(text)}, {"logprobs", logprobs},
                 {"finish_reason", finish ? json(finish) : json(nullptr)}};
  return {{"id", h.id}, {"object", "text_completion"}, {"created", h.created}, {"model", h.model},
          {"choices", json::array({choice})}};
}

}  // namespace sprig::serve
