// The server's answers in the OpenAI API's shapes: completion objects, stream chunks, usage,
// logprobs and error objects.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "api_error.h"
#include "slot.h"

namespace sprig::serve {

// What every object of one response shares.
struct ResponseHeader {
  std::string id;     // "chatcmpl-..." or "cmpl-..."
  std::string model;  // the name the server announces
  int64_t created = 0;
};

std::string error_json(const ApiError& error);
// JSON text, with bytes that are not UTF-8 (a token's partial character) as U+FFFD.
std::string dump(const nlohmann::json& value);

const char* finish_reason(Finish finish);
nlohmann::json usage_json(const SlotRun& run);
// Speeds beside the usage, for people and the load test: prefill and decode times and rates.
nlohmann::json timings_json(const SlotRun& run);

// How a token reads after `previous` (its bytes, or its piece for control tokens), as sprig probs
// shows it.
std::string token_text(const Tokenizer& tokenizer, int32_t previous, int32_t token);

// One generated token in chat's logprobs.content form.
nlohmann::json chat_logprob(const Tokenizer& tokenizer, const TokenLogprobs& lp);
// Completions' logprobs arrays, filled token by token.
struct CompletionLogprobs {
  nlohmann::json tokens = nlohmann::json::array(), token_logprobs = nlohmann::json::array(),
                 top_logprobs = nlohmann::json::array(), text_offset = nlohmann::json::array();
  void add(const Tokenizer& tokenizer, const TokenLogprobs& lp, size_t offset);
  nlohmann::json to_json() const;
};

nlohmann::json chat_completion(const ResponseHeader& h, std::string_view text, const nlohmann::json& logprobs,
                               const SlotRun& run);
nlohmann::json chat_chunk(const ResponseHeader& h, const nlohmann::json& delta, const nlohmann::json& logprobs,
                          const char* finish);
nlohmann::json text_completion(const ResponseHeader& h, std::string_view text, const nlohmann::json& logprobs,
                               const SlotRun& run);
nlohmann::json text_chunk(const ResponseHeader& h, std::string_view text, const nlohmann::json& logprobs,
                          const char* finish);

}  // namespace sprig::serve
