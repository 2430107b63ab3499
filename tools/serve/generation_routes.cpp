// POST /v1/chat/completions and /v1/completions: validate, render or tokenize the prompt, refuse
// what cannot fit before any work, take a slot, and answer in one JSON object or as server-sent
// events. A stream whose client is gone stops at the next token (its write fails).
#include <chrono>
#include <memory>

#include <nlohmann/json.hpp>

#include "http_routes.h"
#include "openai_response.h"
#include "sse.h"

namespace sprig::serve {

using nlohmann::json;

namespace {

ResponseHeader make_header(const char* prefix, const std::string& model) {
  static std::atomic<uint64_t> counter{0};
  ResponseHeader h;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  h.created = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  h.id = std::string(prefix) + std::to_string(h.created) + "-" + std::to_string(++counter);
  h.model = model;
  return h;
}

// What one generation needs once the handler has returned (a stream's provider runs later).
struct Generation {
  Generation(SlotPool::Lease l) : lease(std::move(l)) {}
  SlotPool::Lease lease;
  std::vector<int32_t> prompt;
  SamplingRequest sampling;
  ResponseHeader header;
  std::string echo;  // completions with echo: the prompt text, sent first
};

}  // namespace

void Routes::chat_completions(const httplib::Request& req, httplib::Response& res) {
  if (!formatter_)
    return fail(res, bad_request("this model has no chat template (a base model?): use /v1/completions", "model"));
  auto request = parse_chat_request(req.body);
  if (!request) return fail(res, request.error());
  std::vector<ChatMessage> views;
  for (const RequestMessage& m : request->messages) views.push_back({m.role, m.content});
  std::vector<int32_t> prompt;
  ChatFormatter::Workspace workspace;
  if (Status s = formatter_->render_tokens(views, 0, true, prompt, workspace); !s)
    return fail(res, bad_request(s.message(), "messages"));
  if (auto e = check_fits(prompt.size(), request->sampling)) return fail(res, *e);
  auto slot = lease(prompt, res);
  if (!slot) return;
  auto g = std::make_shared<Generation>(std::move(*slot));
  g->prompt = std::move(prompt);
  g->sampling = std::move(request->sampling);
  g->header = make_header("chatcmpl-", options_.model_name);
  const StopToken is_stop = [this](int32_t t) { return formatter_->is_stop(t); };

  if (!g->sampling.stream) {
    std::string text;
    json content = json::array();
    auto run = g->lease.slot().run(g->prompt, g->sampling, is_stop, [&](std::string_view piece, const TokenLogprobs* lp) {
      text += piece;
      if (lp) content.push_back(chat_logprob(tokenizer_, *lp));
      return true;
    });
    if (!run) return fail(res, api_error(500, run.error().message()));
    metrics_.run(run.value());
    const json logprobs = g->sampling.logprobs ? json{{"content", content}} : json(nullptr);
    res.set_content(dump(chat_completion(g->header, text, logprobs, run.value())), "application/json");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", [this, g, is_stop](size_t, httplib::DataSink& sink) {
    bool open = send_event(sink, dump(chat_chunk(g->header, {{"role", "assistant"}, {"content", ""}}, nullptr, nullptr)));
    Result<SlotRun> run = Error("the client went away before generation began");
    if (open) {
      run = g->lease.slot().run(g->prompt, g->sampling, is_stop, [&](std::string_view piece, const TokenLogprobs* lp) {
        if (piece.empty() && !lp) return true;
        const json logprobs = lp ? json{{"content", json::array({chat_logprob(tokenizer_, *lp)})}} : json(nullptr);
        return open = send_event(sink, dump(chat_chunk(g->header, {{"content", std::string(piece)}}, logprobs, nullptr)));
      });
    }
    if (!run) {
      if (open) send_event(sink, error_json(api_error(500, run.error().message())));
      return false;  // closes the connection
    }
    metrics_.run(run.value());
    if (!open) return false;
    send_event(sink, dump(chat_chunk(g->header, json::object(), nullptr, finish_reason(run->finish))));
    if (g->sampling.include_usage) {
      json usage = chat_chunk(g->header, json::object(), nullptr, nullptr);
      usage["choices"] = json::array();
      usage["usage"] = usage_json(run.value());
      usage["timings"] = timings_json(run.value());
      send_event(sink, dump(usage));
    }
    send_event(sink, "[DONE]");
    sink.done();
    return true;
  });
}

void Routes::completions(const httplib::Request& req, httplib::Response& res) {
  auto request = parse_completion_request(req.body);
  if (!request) return fail(res, request.error());
  std::vector<int32_t> prompt;
  Tokenizer::Workspace workspace;
  EncodeOptions encode;
  encode.add_bos = model_.vocab().add_bos;
  tokenizer_.encode(request->prompt, encode, prompt, workspace);
  if (prompt.empty()) return fail(res, bad_request("the prompt has no tokens (and the model adds no BOS)", "prompt"));
  if (auto e = check_fits(prompt.size(), request->sampling)) return fail(res, *e);
  auto slot = lease(prompt, res);
  if (!slot) return;
  auto g = std::make_shared<Generation>(std::move(*slot));
  g->prompt = std::move(prompt);
  g->sampling = std::move(request->sampling);
  g->header = make_header("cmpl-", options_.model_name);
  if (request->echo) g->echo = request->prompt;
  const int32_t eos = tokenizer_.eos_id();
  const StopToken is_stop = [eos](int32_t t) { return t == eos; };

  if (!g->sampling.stream) {
    std::string text = g->echo;
    CompletionLogprobs logprobs;
    auto run = g->lease.slot().run(g->prompt, g->sampling, is_stop, [&](std::string_view piece, const TokenLogprobs* lp) {
      if (lp) logprobs.add(tokenizer_, *lp, text.size());
      text += piece;
      return true;
    });
    if (!run) return fail(res, api_error(500, run.error().message()));
    metrics_.run(run.value());
    const json lp = g->sampling.logprobs ? logprobs.to_json() : json(nullptr);
    res.set_content(dump(text_completion(g->header, text, lp, run.value())), "application/json");
    return;
  }
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", [this, g, is_stop](size_t, httplib::DataSink& sink) {
    bool open = g->echo.empty() || send_event(sink, dump(text_chunk(g->header, g->echo, nullptr, nullptr)));
    size_t offset = g->echo.size();
    Result<SlotRun> run = Error("the client went away before generation began");
    if (open) {
      run = g->lease.slot().run(g->prompt, g->sampling, is_stop, [&](std::string_view piece, const TokenLogprobs* lp) {
        if (piece.empty() && !lp) return true;
        json logprobs = nullptr;
        if (lp) {
          CompletionLogprobs one;
          one.add(tokenizer_, *lp, offset);
          logprobs = one.to_json();
        }
        offset += piece.size();
        return open = send_event(sink, dump(text_chunk(g->header, piece, logprobs, nullptr)));
      });
    }
    if (!run) {
      if (open) send_event(sink, error_json(api_error(500, run.error().message())));
      return false;
    }
    metrics_.run(run.value());
    if (!open) return false;
    json last = text_chunk(g->header, "", nullptr, finish_reason(run->finish));
    if (g->sampling.include_usage) last["usage"] = usage_json(run.value());
    send_event(sink, dump(last));
    send_event(sink, "[DONE]");
    sink.done();
    return true;
  });
}

}  // namespace sprig::serve
