// The C API over Model, Session, Tokenizer and Sampler. A C session is one arena: the
// TextSession below (sampler, tokenizer workspace, detokenizer state) at its start, then the
// C++ Session's arena. No exception leaves this file; errors become status codes and a
// thread-local message.
#include "sprig/sprig.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory_resource>
#include <new>
#include <optional>
#include <type_traits>

#include "platform/alignment.h"
#include "sprig/chat.h"
#include "sprig/generate.h"
#include "sprig/sampler.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"
#include "sprig/utf8_stream.h"
#include "c_api/c_api_handles.h"

namespace {

using namespace sprig;

thread_local char last_error[512] = "";

sprig_status fail(sprig_status status, const std::string& message) {
  std::snprintf(last_error, sizeof(last_error), "%s", message.c_str());
  return status;
}

// What every session of a model shares: the weights and the tokenizer's tables.
struct SharedModel {
  explicit SharedModel(std::shared_ptr<const Model> m) : model(std::move(m)), tokenizer(model->vocab()) {}
  std::shared_ptr<const Model> model;
  Tokenizer tokenizer;
};

}  // namespace

struct sprig_model {
  std::shared_ptr<SharedModel> shared;
};

struct sprig_session {
  sprig_session(std::shared_ptr<SharedModel> s, Session::Ptr forward, const sprig_session_options& o, void* owned)
      : shared(std::move(s)),
        session(std::move(forward)),
        options(o),
        owned(owned),
        tokenizer_memory(session->region(ArenaRegion::TokenizerWorkspace).data(),
                         session->region(ArenaRegion::TokenizerWorkspace).size(), std::pmr::null_memory_resource()),
        workspace(&tokenizer_memory) {}

  std::shared_ptr<SharedModel> shared;
  Session::Ptr session;
  sprig_session_options options;
  void* owned;  // the single allocation, or nullptr in caller memory
  std::pmr::monotonic_buffer_resource tokenizer_memory;
  Tokenizer::Workspace workspace;
  std::optional<Sampler> sampler;
  Utf8Stream stream;
  int32_t previous = -1;  // the last token fed or detokenized, for SentencePiece's leading space
  // Chats open on this session keep it alive: sprig_session_destroy then only sets `destroyed`,
  // and the last sprig_chat_destroy frees it.
  uint32_t chats = 0;
  bool destroyed = false;

  const Tokenizer& tokenizer() const { return shared->tokenizer; }
  std::span<float> sampler_logits() const {
    const auto region = session->region(ArenaRegion::SamplerLogits);
    return {reinterpret_cast<float*>(region.data()), region.size() / sizeof(float)};
  }
  void set_sampler(const SamplerOptions& o) {
    sampler.emplace(o, tokenizer().vocab_size(), session->region(ArenaRegion::SamplerCandidates));
  }
};

namespace {

std::optional<SessionOptions> to_session_options(const sprig_session_options* c) {
  SessionOptions o;
  if (!c) return o;
  o.context_length = c->context_length;
  o.batch = c->batch;
  o.threads = c->threads;
  o.max_text_bytes = c->max_text_bytes;
  // A C caller may store any integer in an enum; read each as one (loading an out-of-range C++
  // enum value is undefined).
  std::underlying_type_t<sprig_kv_cache_type> kv_cache;
  std::memcpy(&kv_cache, &c->kv_cache, sizeof kv_cache);
  std::underlying_type_t<sprig_context_policy> on_context_full;
  std::memcpy(&on_context_full, &c->on_context_full, sizeof on_context_full);
  switch (kv_cache) {
    case SPRIG_KV_F16: o.kv_cache = KvCacheType::F16; break;
    case SPRIG_KV_INT8: o.kv_cache = KvCacheType::Int8; break;
    case SPRIG_KV_F32: o.kv_cache = KvCacheType::F32; break;
    default: return std::nullopt;
  }
  if (on_context_full != SPRIG_CONTEXT_STOP && on_context_full != SPRIG_CONTEXT_SHIFT) return std::nullopt;
  std::underlying_type_t<sprig_matmul_backend> backend;
  std::memcpy(&backend, &c->backend, sizeof backend);
  switch (backend) {
    case SPRIG_BACKEND_SPRIG: o.backend = MatmulBackend::Sprig; break;
    case SPRIG_BACKEND_XNNPACK: o.backend = MatmulBackend::Xnnpack; break;
    default: return std::nullopt;
  }
  return o;
}

sprig_status from_model(Result<std::shared_ptr<const Model>> opened, sprig_model** model) {
  if (!opened) return fail(SPRIG_ERROR_MODEL, opened.error().message());
  auto* handle = new (std::nothrow) sprig_model;
  if (!handle) return fail(SPRIG_ERROR_MEMORY, "cannot allocate the model handle");
  try {
    handle->shared = std::make_shared<SharedModel>(std::move(opened.value()));
  } catch (const std::exception& e) {
    delete handle;
    return fail(SPRIG_ERROR_MEMORY, std::string("cannot build the tokenizer: ") + e.what());
  }
  *model = handle;
  return SPRIG_OK;
}

// The runtime's error codes as the C API's statuses; never decided from the message's text.
sprig_status status_of(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument: return SPRIG_ERROR_INVALID_ARGUMENT;
    case ErrorCode::Model: return SPRIG_ERROR_MODEL;
    case ErrorCode::Memory: return SPRIG_ERROR_MEMORY;
    case ErrorCode::ContextFull: return SPRIG_ERROR_CONTEXT_FULL;
    case ErrorCode::TextTooLong: return SPRIG_ERROR_TEXT_TOO_LONG;
    case ErrorCode::CannotShift: return SPRIG_ERROR_INVALID_ARGUMENT;
    case ErrorCode::Io: return SPRIG_ERROR_INVALID_ARGUMENT;
  }
  return SPRIG_ERROR_INVALID_ARGUMENT;
}

sprig_stop_reason stop_of(StopReason stop) {
  switch (stop) {
    case StopReason::TokenLimit: return SPRIG_STOP_TOKEN_LIMIT;
    case StopReason::EndOfSequence: return SPRIG_STOP_END_OF_SEQUENCE;
    case StopReason::ContextFull: return SPRIG_STOP_CONTEXT_FULL;
    case StopReason::Cancelled: return SPRIG_STOP_CANCELLED;
  }
  return SPRIG_STOP_CANCELLED;
}

sprig_status session_failure(const Error& e) { return fail(status_of(e.code()), e.message()); }
sprig_status session_failure(const Status& s) { return fail(status_of(s.code()), s.message()); }

}  // namespace

// For the C API's other files (runtime/c_api/c_api_handles.h).
namespace sprig::c_api {
const Model& model_of(const sprig_model* model) { return *model->shared->model; }
const Tokenizer& tokenizer_of(const sprig_model* model) { return model->shared->tokenizer; }
sprig_status fail(sprig_status status, const std::string& message) { return ::fail(status, message); }
Session& session_of(sprig_session* session) { return *session->session; }
const Session& session_of(const sprig_session* session) { return *session->session; }
void restart_detokenizer(sprig_session* session, int32_t previous) {
  session->previous = previous;
  session->stream = Utf8Stream();
}
}  // namespace sprig::c_api

extern "C" {

const char* sprig_status_name(sprig_status status) {
  switch (status) {
    case SPRIG_OK: return "SPRIG_OK";
    case SPRIG_ERROR_INVALID_ARGUMENT: return "SPRIG_ERROR_INVALID_ARGUMENT";
    case SPRIG_ERROR_MODEL: return "SPRIG_ERROR_MODEL";
    case SPRIG_ERROR_MEMORY: return "SPRIG_ERROR_MEMORY";
    case SPRIG_ERROR_CONTEXT_FULL: return "SPRIG_ERROR_CONTEXT_FULL";
    case SPRIG_ERROR_TEXT_TOO_LONG: return "SPRIG_ERROR_TEXT_TOO_LONG";
  }
  return "SPRIG_UNKNOWN_STATUS";
}

const char* sprig_last_error(void) { return last_error; }

void sprig_session_options_init(sprig_session_options* options) {
  if (!options) return;
  const SessionOptions d;
  *options = {};
  options->context_length = d.context_length;
  options->batch = d.batch;
  options->threads = d.threads;
  options->kv_cache = SPRIG_KV_F16;
  options->max_text_bytes = d.max_text_bytes;
  options->on_context_full = SPRIG_CONTEXT_STOP;
  options->keep_tokens = 0;
  options->backend = d.backend == MatmulBackend::Xnnpack ? SPRIG_BACKEND_XNNPACK : SPRIG_BACKEND_SPRIG;
}

sprig_status sprig_model_open(const char* path, sprig_model** model) {
  if (!path || !model) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_model_open: path and model are required");
  try {
    return from_model(Model::open(path), model);
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MODEL, e.what());
  }
}

sprig_status sprig_model_from_buffer(const void* data, size_t size, sprig_model** model) {
  if (!data || !model) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_model_from_buffer: data and model are required");
  try {
    return from_model(Model::from_buffer(data, size), model);
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MODEL, e.what());
  }
}

void sprig_model_get_info(const sprig_model* model, sprig_model_info* info) {
  if (!model || !info) return;
  const Model& m = *model->shared->model;
  *info = {};
  info->vocab_size = uint32_t(m.vocab().pieces.size());
  info->max_context = m.hparams().max_positions;
  info->bos_id = m.vocab().bos_id;
  info->eos_id = m.vocab().eos_id;
  info->add_bos = m.vocab().add_bos ? 1 : 0;
  info->file_bytes = m.file_size();
  info->weight_bytes = m.weight_bytes();
}

void sprig_model_close(sprig_model* model) { delete model; }

sprig_status sprig_session_bytes(const sprig_model* model, const sprig_session_options* options, size_t* bytes) {
  if (!model || !bytes) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_session_bytes: model and bytes are required");
  const auto o = to_session_options(options);
  if (!o) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "unknown KV cache type, context policy or backend");
  try {
    auto plan = plan_session_memory(*model->shared->model, *o);
    if (!plan) return fail(SPRIG_ERROR_INVALID_ARGUMENT, plan.error().message());
    *bytes = align_up(sizeof(sprig_session)) + plan->total_bytes() + kAlignment;
    return SPRIG_OK;
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, e.what());
  }
}

sprig_status sprig_session_create(const sprig_model* model, const sprig_session_options* options, void* memory,
                                  size_t memory_bytes, sprig_session** session) {
  if (!model || !session) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_session_create: model and session are required");
  sprig_session_options c_options;
  sprig_session_options_init(&c_options);
  if (options) c_options = *options;
  size_t needed = 0;
  if (sprig_status s = sprig_session_bytes(model, &c_options, &needed); s != SPRIG_OK) return s;
  void* owned = nullptr;
  if (!memory) {
    owned = ::operator new(needed, std::nothrow);
    if (!owned) return fail(SPRIG_ERROR_MEMORY, "cannot allocate " + std::to_string(needed) + " bytes for a session");
    memory = owned;
    memory_bytes = needed;
  }
  if (memory_bytes < needed) {
    return fail(SPRIG_ERROR_MEMORY, "the session needs " + std::to_string(needed) + " bytes of memory, " +
                                         std::to_string(memory_bytes) + " were given");
  }
  // [sprig_session][Session arena]: the wrapper at the first 64-byte boundary.
  const uintptr_t start = reinterpret_cast<uintptr_t>(memory);
  std::byte* base = static_cast<std::byte*>(memory) + (align_up(start) - start);
  std::byte* arena = base + align_up(sizeof(sprig_session));
  const size_t arena_bytes = static_cast<std::byte*>(memory) + memory_bytes - arena;
  try {
    auto forward = Session::create(model->shared->model, *to_session_options(&c_options), {arena, arena_bytes});
    if (!forward) {
      ::operator delete(owned);
      return fail(SPRIG_ERROR_MEMORY, forward.error().message());
    }
    auto* created = new (base) sprig_session(model->shared, std::move(forward.value()), c_options, owned);
    try {
      created->workspace.reserve(model->shared->model->vocab(), c_options.max_text_bytes);
    } catch (const std::bad_alloc&) {  // only if the plan and the tokenizer workspace disagreed
      created->~sprig_session();
      ::operator delete(owned);
      return fail(SPRIG_ERROR_MEMORY, "the tokenizer workspace does not fit its planned region");
    }
    created->set_sampler({});
    *session = created;
    return SPRIG_OK;
  } catch (const std::exception& e) {
    ::operator delete(owned);
    return fail(SPRIG_ERROR_MEMORY, std::string("session creation failed: ") + e.what());
  }
}

void sprig_session_destroy(sprig_session* session) {
  if (!session) return;
  if (session->chats > 0) {
    session->destroyed = true;
    return;
  }
  void* owned = session->owned;
  session->~sprig_session();
  if (owned) ::operator delete(owned);
}

void sprig_session_reset(sprig_session* session) {
  if (!session) return;
  session->session->reset();
  session->previous = -1;
  session->stream = Utf8Stream();
}

uint32_t sprig_session_position(const sprig_session* session) { return session ? session->session->position() : 0; }

uint32_t sprig_session_context_length(const sprig_session* session) {
  return session ? session->session->context_length() : 0;
}

sprig_status sprig_tokenize(sprig_session* session, const char* text, size_t length, int add_bos, int parse_special,
                            const int32_t** tokens, size_t* count) {
  if (!session || (!text && length) || !tokens || !count)
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_tokenize: session, text, tokens and count are required");
  if (length > session->options.max_text_bytes)
    return fail(SPRIG_ERROR_TEXT_TOO_LONG, "the text has " + std::to_string(length) + " bytes; the session takes " +
                                               std::to_string(session->options.max_text_bytes) +
                                               " (max_text_bytes)");
  const auto region = session->session->region(ArenaRegion::TokenIds);
  const std::span<int32_t> ids(reinterpret_cast<int32_t*>(region.data()), region.size() / sizeof(int32_t));
  EncodeOptions options;
  options.add_bos = add_bos != 0;
  options.parse_special = parse_special != 0;
  const Tokenizer::Encoded encoded =
      session->tokenizer().encode(std::string_view(text ? text : "", length), options, ids, session->workspace);
  if (!encoded.complete)
    return fail(SPRIG_ERROR_TEXT_TOO_LONG,
                "the text has more tokens than the context of " + std::to_string(ids.size()));
  *tokens = ids.data();
  *count = encoded.count;
  return SPRIG_OK;
}

sprig_status sprig_prefill(sprig_session* session, const int32_t* tokens, size_t count) {
  if (!session || (!tokens && count)) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_prefill: session and tokens are required");
  if (Status s = session->session->prefill({tokens, count}); !s) return session_failure(s);
  session->previous = tokens[count - 1];
  return SPRIG_OK;
}

sprig_status sprig_decode(sprig_session* session, int32_t token) {
  if (!session) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_decode: session is required");
  if (Status s = session->session->decode(token); !s) return session_failure(s);
  session->previous = token;
  return SPRIG_OK;
}

const float* sprig_logits(const sprig_session* session, size_t* count) {
  if (!session) return nullptr;
  if (count) *count = session->session->logits().size();
  return session->session->logits().data();
}

sprig_status sprig_shift(sprig_session* session, uint32_t keep, uint32_t drop) {
  if (!session) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_shift: session is required");
  // A model with learned positions cannot move its cache: it recomputes what stays.
  Session& s = *session->session;
  if (Status status = s.can_shift() ? s.shift(keep, drop) : s.recompute_without(keep, drop); !status)
    return session_failure(status);
  return SPRIG_OK;
}

sprig_status sprig_set_sampler(sprig_session* session, const sprig_sampler_options* options) {
  if (!session || !options) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_set_sampler: session and options are required");
  if (!(options->temperature >= 0.0f) || !(options->top_p >= 0.0f && options->top_p <= 1.0f))
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "temperature must be >= 0 and top_p within [0, 1]");
  if (!(options->min_p >= 0.0f && options->min_p <= 1.0f) || !(options->repeat_penalty >= 0.0f) ||
      options->repeat_last_n > kMaxPenaltyWindow || !std::isfinite(options->presence_penalty) ||
      !std::isfinite(options->frequency_penalty))
    return fail(SPRIG_ERROR_INVALID_ARGUMENT,
                "min_p must be within [0, 1], repeat_penalty >= 0, repeat_last_n at most 4096 and the presence "
                "and frequency penalties finite");
  SamplerOptions o;
  o.temperature = options->temperature;
  o.top_k = options->top_k;
  o.top_p = options->top_p;
  o.seed = options->seed;
  o.min_p = options->min_p;
  o.repeat_penalty = options->repeat_penalty == 0.0f ? 1.0f : options->repeat_penalty;
  o.repeat_last_n = options->repeat_last_n == 0 ? o.repeat_last_n : options->repeat_last_n;
  o.presence_penalty = options->presence_penalty;
  o.frequency_penalty = options->frequency_penalty;
  session->set_sampler(o);
  return SPRIG_OK;
}

void sprig_sampler_options_init(sprig_sampler_options* options) {
  if (!options) return;
  const SamplerOptions o = SamplerOptions::recommended();
  *options = {o.temperature, o.top_k, o.top_p, o.seed, o.min_p, o.repeat_penalty, o.repeat_last_n,
              o.presence_penalty, o.frequency_penalty};
}

sprig_status sprig_sample(sprig_session* session, int32_t* token) {
  if (!session || !token) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_sample: session and token are required");
  const auto logits = session->session->logits();
  const auto scratch = session->sampler_logits();
  std::copy(logits.begin(), logits.end(), scratch.begin());
  *token = session->sampler->sample(scratch.first(logits.size()));
  return SPRIG_OK;
}

sprig_status sprig_detokenize(sprig_session* session, int32_t token, const char** text, size_t* length) {
  if (!session || !text || !length)
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_detokenize: session, text and length are required");
  if (token < 0 || size_t(token) >= session->tokenizer().vocab_size())
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "token id " + std::to_string(token) + " is outside the vocabulary");
  const std::string_view piece = session->tokenizer().decode(session->previous, token);
  const auto region = session->session->region(ArenaRegion::Text);
  if (Utf8Stream::max_output(piece.size()) > region.size())
    return fail(SPRIG_ERROR_TEXT_TOO_LONG, "a token's text is longer than the session's text buffer");
  char* out = reinterpret_cast<char*>(region.data());
  *length = session->stream.push(piece, out);
  *text = out;
  session->previous = token;
  return SPRIG_OK;
}

sprig_status sprig_detokenize_finish(sprig_session* session, const char** text, size_t* length) {
  if (!session || !text || !length)
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_detokenize_finish: session, text and length are required");
  char* out = reinterpret_cast<char*>(session->session->region(ArenaRegion::Text).data());
  *length = session->stream.finish(out);
  *text = out;
  return SPRIG_OK;
}

sprig_status sprig_generate(sprig_session* session, const char* prompt, size_t length, uint32_t max_tokens,
                            sprig_token_callback callback, void* user, sprig_generation_stats* stats) {
  if (!session || !callback) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_generate: session and callback are required");
  const int32_t* tokens = nullptr;
  size_t count = 0;
  const bool add_bos = session->shared->model->vocab().add_bos;
  if (sprig_status s = sprig_tokenize(session, prompt, length, add_bos, 0, &tokens, &count); s != SPRIG_OK) return s;
  if (count == 0) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "the prompt has no tokens (and the model adds no BOS)");
  if (count > session->session->context_length() - session->session->position())
    return fail(SPRIG_ERROR_CONTEXT_FULL, "the prompt (" + std::to_string(count) + " tokens) does not fit the " +
                                              std::to_string(session->session->context_length() -
                                                             session->session->position()) +
                                              " positions left in the context");
  ContextPolicy policy;
  policy.shift = session->options.on_context_full == SPRIG_CONTEXT_SHIFT;
  policy.keep = session->options.keep_tokens;
  // The lambda holds one pointer: small enough for std::function to keep without allocating.
  struct Forward {
    sprig_token_callback callback;
    void* user;
    int32_t last;
  } forward{callback, user, -1};
  Forward* f = &forward;
  auto result = generate(*session->session, session->tokenizer(), *session->sampler, {tokens, count}, max_tokens,
                         session->sampler_logits(), [f](int32_t token, std::string_view text) {
                           if (token >= 0) f->last = token;
                           return f->callback(f->user, token, text.data(), text.size()) != 0;
                         }, policy);
  if (!result) return session_failure(result.error());
  session->previous = forward.last >= 0 ? forward.last : tokens[count - 1];
  if (stats) {
    stats->prompt_tokens = result->prompt_tokens;
    stats->generated_tokens = result->generated_tokens;
    stats->shifts = result->shifts;
    stats->stop = stop_of(result->stop);
  }
  return SPRIG_OK;
}

}  // extern "C"

// ---- Chat ------------------------------------------------------------------------------------

struct sprig_chat {
  sprig_chat(sprig_session* s)
      : session(s),
        formatter(*s->shared->model, s->shared->tokenizer),
        chat(*s->session, s->shared->tokenizer, formatter, *s->sampler) {}
  sprig_session* session;
  ChatFormatter formatter;
  Chat chat;
  std::string text;  // the last JSON or prompt handed out
};

extern "C" {

int sprig_model_has_chat_template(const sprig_model* model) {
  return model && model->shared->model->chat_template().present ? 1 : 0;
}

uint64_t sprig_session_prefilled_tokens(const sprig_session* session) {
  return session ? session->session->prefilled_tokens() : 0;
}

sprig_status sprig_chat_create(sprig_session* session, sprig_chat** chat) {
  if (!session || !chat) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_create: session and chat are required");
  if (!session->shared->model->chat_template().present)
    return fail(SPRIG_ERROR_MODEL, "the model has no chat template (convert it with --chat-template NAME)");
  try {
    *chat = new sprig_chat(session);
    ++session->chats;
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, std::string("sprig_chat_create: ") + e.what());
  }
  return SPRIG_OK;
}

void sprig_chat_destroy(sprig_chat* chat) {
  if (!chat) return;
  sprig_session* session = chat->session;
  delete chat;
  if (--session->chats == 0 && session->destroyed) sprig_session_destroy(session);
}

sprig_status sprig_chat_set_messages_json(sprig_chat* chat, const char* json, size_t length) {
  if (!chat || (!json && length)) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_set_messages_json: chat and json are required");
  try {
    auto messages = parse_chat_json(std::string_view(json ? json : "", length));
    if (!messages) return fail(SPRIG_ERROR_INVALID_ARGUMENT, messages.error().message());
    chat->chat.set_messages(std::move(messages.value()));
    sprig_session_reset(chat->session);
    return SPRIG_OK;
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, e.what());
  }
}

sprig_status sprig_chat_messages_json(sprig_chat* chat, const char** json, size_t* length) {
  if (!chat || !json || !length) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_messages_json: chat, json and length are required");
  try {
    chat->text = format_chat_json(chat->chat.messages());
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, e.what());
  }
  *json = chat->text.c_str();
  *length = chat->text.size();
  return SPRIG_OK;
}

sprig_status sprig_chat_reset(sprig_chat* chat) {
  if (!chat) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_reset: chat is required");
  chat->chat.reset();
  sprig_session_reset(chat->session);
  return SPRIG_OK;
}

sprig_status sprig_chat_turn(sprig_chat* chat, const char* user, size_t length, uint32_t max_tokens,
                             sprig_token_callback callback, void* user_data, sprig_chat_stats* stats) {
  if (!chat || (!user && length)) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_turn: chat and user text are required");
  try {
    struct Forward {
      sprig_token_callback callback;
      void* user;
    } forward{callback, user_data};
    Forward* f = &forward;
    auto result = chat->chat.turn(std::string_view(user ? user : "", length), max_tokens,
                                  [f](int32_t token, std::string_view text) {
                                    return !f->callback || f->callback(f->user, token, text.data(), text.size()) != 0;
                                  });
    if (!result) return session_failure(result.error());
    if (stats) {
      stats->prefilled_tokens = result->prefilled_tokens;
      stats->generated_tokens = result->generated_tokens;
      stats->dropped_messages = result->dropped_messages;
      stats->stop = stop_of(result->stop);
    }
    return SPRIG_OK;
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, std::string("sprig_chat_turn: ") + e.what());
  }
}

sprig_status sprig_chat_render_prompt(sprig_chat* chat, const char** text, size_t* length) {
  if (!chat || !text || !length) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_render_prompt: chat, text and length are required");
  try {
    chat->text.clear();
    const Status s = chat->formatter.render_text(chat_messages(chat->chat.messages()), true, chat->text);
    if (!s) return fail(SPRIG_ERROR_INVALID_ARGUMENT, s.message());
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, e.what());
  }
  *text = chat->text.c_str();
  *length = chat->text.size();
  return SPRIG_OK;
}

sprig_status sprig_chat_prime(sprig_chat* chat) {
  if (!chat) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_prime: chat is required");
  try {
    if (Status s = chat->chat.prime(); !s) return session_failure(s);
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, e.what());
  }
  return SPRIG_OK;
}

sprig_status sprig_chat_save_session(const sprig_chat* chat, const char* path) {
  if (!chat || !path) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_save_session: chat and path are required");
  try {
    if (Status s = chat->chat.save_state(path); !s) return fail(SPRIG_ERROR_INVALID_ARGUMENT, s.message());
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, e.what());
  }
  return SPRIG_OK;
}

sprig_status sprig_chat_load_session(sprig_chat* chat, const char* path) {
  if (!chat || !path) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_load_session: chat and path are required");
  try {
    chat->session->previous = -1;
    chat->session->stream = Utf8Stream();
    if (Status s = chat->chat.resume(path); !s) return fail(SPRIG_ERROR_INVALID_ARGUMENT, s.message());
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, e.what());
  }
  return SPRIG_OK;
}

void sprig_chat_options_init(sprig_chat_options* options) {
  if (!options) return;
  options->date = nullptr;
  options->think = -1;
}

sprig_status sprig_chat_set_options(sprig_chat* chat, const sprig_chat_options* options) {
  if (!chat || !options) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_set_options: chat and options are required");
  ChatDate date = today();
  if (options->date && !parse_chat_date(options->date, date))
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, std::string("sprig_chat_options.date '") + options->date +
                                                  "' is not a calendar day as YYYY-MM-DD");
  if (options->think < -1 || options->think > 1)
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_options.think is -1 (the template's), 0 (off) or 1 (on)");
  if (options->think >= 0 && !chat->formatter.has_think_switch())
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_chat_options.think: the chat template has no reasoning switch");
  chat->formatter.set_date(date);
  chat->formatter.set_thinking(options->think >= 0 ? options->think == 1
                                                   : !chat->formatter.chat_template().think_off_by_default);
  return SPRIG_OK;
}

}  // extern "C"

// ---- Prefix reuse (sprig serve) ----------------------------------------------------------------
extern "C" sprig_status sprig_session_truncate(sprig_session* session, uint32_t positions) {
  if (!session) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_session_truncate: session is required");
  if (positions > session->session->position())
    return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_session_truncate: " + std::to_string(positions) +
                                                  " positions asked, the session holds " +
                                                  std::to_string(session->session->position()));
  session->session->truncate(positions);
  session->previous = -1;
  session->stream = Utf8Stream();
  return SPRIG_OK;
}
