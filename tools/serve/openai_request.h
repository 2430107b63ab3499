// OpenAI request bodies to the server's request structs, validating every field the server reads
// (types, ranges, roles) and bounding what parsing may take: the body's size is bounded by the
// HTTP layer (--max-body), its nesting depth here, before anything is built from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api_error.h"

namespace sprig::serve {

// Deeper JSON than this is refused before it is parsed (OpenAI bodies nest four levels).
constexpr size_t kMaxJsonDepth = 32;
constexpr size_t kMaxStopStrings = 4;
constexpr size_t kMaxTopLogprobs = 20;
constexpr size_t kMaxLogitBias = 300;  // as the OpenAI API allows

struct SamplingRequest {
  float temperature = 1.0f;  // the OpenAI API's default
  float top_p = 1.0f;
  uint32_t top_k = 0;  // 0: off
  float min_p = 0.0f;  // 0: off
  float presence_penalty = 0.0f, frequency_penalty = 0.0f;
  std::optional<uint64_t> seed;
  std::optional<uint32_t> max_tokens;  // none: until a stop token or the end of the context
  std::vector<std::string> stop;
  // Added to a token's logit before sampling; -100 bans it (the server checks the ids).
  std::vector<std::pair<int32_t, float>> logit_bias;
  bool logprobs = false;
  uint32_t top_logprobs = 0;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
};

struct RequestMessage {
  std::string role;  // system, user or assistant ("developer" is read as system)
  std::string content;
};

struct ChatRequest {
  std::string model;
  std::vector<RequestMessage> messages;
  SamplingRequest sampling;
};

struct CompletionRequest {
  std::string model;
  std::string prompt;
  bool echo = false;
  SamplingRequest sampling;
};

struct TokenizeRequest {
  std::string content;
  bool add_special = false;  // the model's BOS first
  bool with_pieces = false;
};

struct DetokenizeRequest {
  std::vector<int32_t> tokens;
};

// The nesting depth of a JSON text (brackets outside strings), scanning no further than
// kMaxJsonDepth + 1 levels; malformed text is left to the parser.
size_t json_depth(std::string_view body);

Expected<ChatRequest> parse_chat_request(std::string_view body);
Expected<CompletionRequest> parse_completion_request(std::string_view body);
Expected<TokenizeRequest> parse_tokenize_request(std::string_view body);
Expected<DetokenizeRequest> parse_detokenize_request(std::string_view body);

}  // namespace sprig::serve
