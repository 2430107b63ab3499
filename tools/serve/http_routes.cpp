// Routes, authentication, errors and the small routes; the generation routes are in
// generation_routes.cpp.
#include "http_routes.h"

#include <nlohmann/json.hpp>

#include "openai_response.h"
#include "sprig/utf8_stream.h"

namespace sprig::serve {

using nlohmann::json;

namespace {

// Compares without stopping at the first difference, so timing does not reveal the key.
bool same_key(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.size() ? b.size() : 1)]);
  return diff == 0;
}

void reply_json(httplib::Response& res, const json& body) { res.set_content(dump(body), "application/json"); }

}  // namespace

Routes::Routes(const Model& model, const Tokenizer& tokenizer, const ChatFormatter* formatter, SlotPool& pool,
               Metrics& metrics, RouteOptions options)
    : model_(model), tokenizer_(tokenizer), formatter_(formatter), pool_(pool), metrics_(metrics),
      options_(std::move(options)), context_length_(pool.slot(0).session().context_length()) {}

void Routes::fail(httplib::Response& res, const ApiError& error) {
  res.status = error.status;
  res.set_content(error_json(error), "application/json");
}

std::optional<ApiError> Routes::check_fits(size_t prompt_tokens, const SamplingRequest& sampling) const {
  for (const auto& [id, bias] : sampling.logit_bias)
    if (size_t(id) >= tokenizer_.vocab_size())
      return bad_request("'logit_bias' names token " + std::to_string(id) + ", outside the vocabulary of " +
                             std::to_string(tokenizer_.vocab_size()) + " tokens",
                         "logit_bias");
  const size_t room = sampling.max_tokens ? *sampling.max_tokens : 1;
  if (prompt_tokens + room <= context_length_) return std::nullopt;
  std::string message = "This model's context is " + std::to_string(context_length_) + " tokens. However, you requested " +
                        std::to_string(prompt_tokens + room) + " tokens (" + std::to_string(prompt_tokens) +
                        " in the prompt, " + std::to_string(room) + " for the completion).";
  return ApiError{400, message, sampling.max_tokens ? "max_tokens" : "messages", "context_length_exceeded"};
}

std::optional<SlotPool::Lease> Routes::lease(std::span<const int32_t> prompt, httplib::Response& res) {
  auto got = pool_.acquire(prompt, options_.queue_wait);
  if (auto* l = std::get_if<SlotPool::Lease>(&got)) return std::move(*l);
  const auto refusal = std::get<SlotPool::Refusal>(got);
  res.set_header("Retry-After", "1");
  fail(res, ApiError{503,
                     refusal == SlotPool::Refusal::Draining ? "the server is shutting down"
                     : refusal == SlotPool::Refusal::QueueFull
                         ? "every slot is busy and the queue is full; retry shortly"
                         : "no slot became free in time; retry shortly",
                     "", refusal == SlotPool::Refusal::Draining ? "shutting_down" : "server_busy"});
  return std::nullopt;
}

void Routes::tokenize(const httplib::Request& req, httplib::Response& res) {
  auto request = parse_tokenize_request(req.body);
  if (!request) return fail(res, request.error());
  std::vector<int32_t> ids;
  EncodeOptions encode;
  encode.add_bos = request->add_special;
  Tokenizer::Workspace workspace;
  tokenizer_.encode(request->content, encode, ids, workspace);
  json tokens = json::array();
  int32_t previous = -1;
  for (int32_t id : ids) {
    if (request->with_pieces) tokens.push_back({{"id", id}, {"piece", token_text(tokenizer_, previous, id)}});
    else tokens.push_back(id);
    previous = id;
  }
  reply_json(res, {{"tokens", tokens}});
}

void Routes::detokenize(const httplib::Request& req, httplib::Response& res) {
  auto request = parse_detokenize_request(req.body);
  if (!request) return fail(res, request.error());
  std::string text;
  Utf8Stream stream;
  int32_t previous = -1;
  for (int32_t id : request->tokens) {
    if (size_t(id) >= tokenizer_.vocab_size())
      return fail(res, bad_request("token " + std::to_string(id) + " is outside the vocabulary of " +
                                       std::to_string(tokenizer_.vocab_size()) + " tokens",
                                   "tokens"));
    stream.push(tokenizer_.decode(previous, id), text);
    previous = id;
  }
  stream.finish(text);
  reply_json(res, {{"content", text}});
}

void Routes::install(httplib::Server& server) {
  server.set_payload_max_length(options_.max_body);
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (options_.api_key.empty() || req.path == "/" || req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    const std::string_view prefix = "Bearer ";
    if (auth.size() > prefix.size() && auth.compare(0, prefix.size(), prefix) == 0 &&
        same_key(std::string_view(auth).substr(prefix.size()), options_.api_key))
      return httplib::Server::HandlerResponse::Unhandled;
    res.set_header("WWW-Authenticate", "Bearer");
    fail(res, ApiError{401, "a valid API key is required: send 'Authorization: Bearer KEY'", "", "invalid_api_key"});
    return httplib::Server::HandlerResponse::Handled;
  });
  // Statuses the library sets itself (404, 413 for a body over --max-body, 400 for a malformed
  // request) get an error object too; routes' own errors already have one.
  server.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.is_chunked_content_provider_) return httplib::Server::HandlerResponse::Unhandled;
    std::string message = res.status == 404   ? "no route " + req.method + " " + req.path
                          : res.status == 413 ? "the request body is larger than " + std::to_string(options_.max_body) +
                                                    " bytes (--max-body)"
                                              : "the request was refused (HTTP " + std::to_string(res.status) + ")";
    fail(res, api_error(res.status, message));
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler([this](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = std::string("internal error: ") + x.what();
    } catch (...) {
    }
    fail(res, api_error(500, what));
  });
  server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (req.path.rfind("/v1/", 0) == 0 || req.path == "/tokenize" || req.path == "/detokenize") metrics_.request(res.status);
  });

  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kChatPage, kChatPageSize, "text/html; charset=utf-8");
  });
  server.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    reply_json(res, {{"status", "ok"}, {"slots", pool_.size()}, {"slots_busy", pool_.busy()}, {"queued", pool_.queued()}});
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics_.prometheus(pool_), "text/plain; version=0.0.4");
  });
  server.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    json model = {{"id", options_.model_name}, {"object", "model"}, {"created", 0}, {"owned_by", "sprig"},
                  {"context_length", context_length_}, {"chat", formatter_ != nullptr}};
    reply_json(res, {{"object", "list"}, {"data", json::array({model})}});
  });
  server.Post("/v1/chat/completions", [this](const httplib::Request& q, httplib::Response& r) { chat_completions(q, r); });
  server.Post("/v1/completions", [this](const httplib::Request& q, httplib::Response& r) { completions(q, r); });
  server.Post("/tokenize", [this](const httplib::Request& q, httplib::Response& r) { tokenize(q, r); });
  server.Post("/detokenize", [this](const httplib::Request& q, httplib::Response& r) { detokenize(q, r); });
}

}  // namespace sprig::serve
