// The server's HTTP routes over the slots: the OpenAI-compatible API, tokenizer routes, health,
// metrics and the chat page. Every error is an OpenAI-style error object with a 4xx/5xx status.
#pragma once

#include <chrono>
#include <string>

#include <httplib.h>

#include "metrics.h"
#include "slot_pool.h"
#include "sprig/chat_format.h"
#include "sprig/model.h"
#include "sprig/tokenizer.h"

namespace sprig::serve {

struct RouteOptions {
  std::string model_name;  // what /v1/models announces
  std::string api_key;     // empty: no authentication
  size_t max_body = 1 << 20;
  std::chrono::milliseconds queue_wait{60000};  // the longest a request waits for a slot
};

class Routes {
 public:
  // `formatter` is null for a model without a chat template (then chat completions are refused).
  Routes(const Model& model, const Tokenizer& tokenizer, const ChatFormatter* formatter, SlotPool& pool,
         Metrics& metrics, RouteOptions options);
  void install(httplib::Server& server);

 private:
  void chat_completions(const httplib::Request& req, httplib::Response& res);
  void completions(const httplib::Request& req, httplib::Response& res);
  void tokenize(const httplib::Request& req, httplib::Response& res);
  void detokenize(const httplib::Request& req, httplib::Response& res);
  void fail(httplib::Response& res, const ApiError& error);
  // The prompt must leave room for a reply (and for max_tokens when given); logit_bias must name
  // tokens of the vocabulary.
  std::optional<ApiError> check_fits(size_t prompt_tokens, const SamplingRequest& sampling) const;
  // A slot for the prompt, or the 503 already written to `res`.
  std::optional<SlotPool::Lease> lease(std::span<const int32_t> prompt, httplib::Response& res);

  const Model& model_;
  const Tokenizer& tokenizer_;
  const ChatFormatter* formatter_;
  SlotPool& pool_;
  Metrics& metrics_;
  RouteOptions options_;
  uint32_t context_length_;
};

// The chat page, embedded at build time (page_data.cpp, generated).
extern const char kChatPage[];
extern const size_t kChatPageSize;

}  // namespace sprig::serve
