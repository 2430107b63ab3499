/* sprig's C API: the one header bindings use (C, JNI, others).
 *
 * A model is opened once (mapped from a file, or from a buffer the caller keeps alive) and shared
 * read-only by any number of sessions on any threads. A session is one arena: sprig_session_bytes
 * says how large before anything is allocated, and sprig_session_create places the session in
 * memory the caller gives (no heap allocation at all) or takes one allocation. After creation
 * nothing on the token path allocates: tokenize, prefill, decode, sample, detokenize and generate
 * all work in the arena. A session is used by one thread at a time.
 *
 * What outlives what: a session keeps its model alive (sprig_model_close may come first), and a
 * chat keeps its session alive: sprig_session_destroy with chats still open only marks the
 * session, and the last sprig_chat_destroy frees it. Memory given to sprig_session_create must
 * stay valid until then. A handle passed to its destroy function is gone: using it afterwards
 * (other than through a chat still open on that session) is undefined, as for free().
 *
 * Every call that can fail returns a sprig_status; sprig_last_error() describes the failure. */
#ifndef SPRIG_SPRIG_H
#define SPRIG_SPRIG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sprig_status {
  SPRIG_OK = 0,
  SPRIG_ERROR_INVALID_ARGUMENT = 1, /* a NULL pointer, an option out of range, a token outside the vocabulary */
  SPRIG_ERROR_MODEL = 2,            /* the model cannot be opened or fails verification */
  SPRIG_ERROR_MEMORY = 3,           /* the memory given is smaller than sprig_session_bytes, or allocation failed */
  SPRIG_ERROR_CONTEXT_FULL = 4,     /* the tokens do not fit in what is left of the context */
  SPRIG_ERROR_TEXT_TOO_LONG = 5     /* more bytes than max_text_bytes, or more tokens than the context */
} sprig_status;

/* A static name for a status ("SPRIG_ERROR_MEMORY"). */
const char* sprig_status_name(sprig_status status);
/* What the last failing call on this thread said; valid until the next failing call on it. */
const char* sprig_last_error(void);

typedef struct sprig_model sprig_model;
typedef struct sprig_session sprig_session;

typedef enum sprig_kv_cache_type { SPRIG_KV_F16 = 0, SPRIG_KV_INT8 = 1, SPRIG_KV_F32 = 2 } sprig_kv_cache_type;

/* What sprig_generate does when the context is full: stop (stop reason SPRIG_STOP_CONTEXT_FULL),
 * or shift: keep the first keep_tokens tokens (a system prompt), drop the oldest half of the rest,
 * and go on without recomputing anything. */
typedef enum sprig_context_policy { SPRIG_CONTEXT_STOP = 0, SPRIG_CONTEXT_SHIFT = 1 } sprig_context_policy;

/* Who multiplies the matrices: sprig's kernels, or XNNPACK for the model's f32 matrices (f16 and
 * quantized matrices stay on sprig's kernels; XNNPACK's packed copy of the weights is part of the
 * session's memory). */
typedef enum sprig_matmul_backend { SPRIG_BACKEND_SPRIG = 0, SPRIG_BACKEND_XNNPACK = 1 } sprig_matmul_backend;

typedef struct sprig_session_options {
  uint32_t context_length;   /* tokens; 0: the model's maximum */
  uint32_t batch;            /* prompt tokens per forward step */
  uint32_t threads;          /* worker threads of the forward pass */
  sprig_kv_cache_type kv_cache;
  uint32_t max_text_bytes;   /* the longest text one sprig_tokenize / sprig_generate call takes */
  sprig_context_policy on_context_full;
  uint32_t keep_tokens;      /* with SPRIG_CONTEXT_SHIFT */
  sprig_matmul_backend backend;
} sprig_session_options;

/* Defaults: the model's context, batch 32, 1 thread, f16 KV cache, 4096 text bytes, stop, sprig's
 * kernels. */
void sprig_session_options_init(sprig_session_options* options);

typedef struct sprig_sampler_options {
  float temperature; /* 0: greedy */
  uint32_t top_k;    /* 0: off */
  float top_p;       /* 1: off */
  uint64_t seed;      /* any value, 0 included (mixed before it seeds the generator) */
  /* Appended later; zero (as in a zero-initialised struct) leaves each stage off. */
  float min_p;          /* 0: off */
  float repeat_penalty; /* 0 or 1: off */
  uint32_t repeat_last_n; /* the last tokens the penalties look at (0: 64), at most 4096: the tokens
                             sprig_sample chose and sprig_generate's prompts, since sprig_set_sampler */
  float presence_penalty;
  float frequency_penalty;
} sprig_sampler_options;

/* llama.cpp's (and the sprig command line's) defaults: temperature 0.8, top-k 40, top-p 0.95,
 * min-p 0.05, no penalties, seed 0. */
void sprig_sampler_options_init(sprig_sampler_options* options);

typedef struct sprig_model_info {
  uint32_t vocab_size;
  uint32_t max_context;
  int32_t bos_id; /* -1: none */
  int32_t eos_id; /* -1: none */
  int add_bos;    /* whether prompts start with BOS */
  uint64_t file_bytes;
  uint64_t weight_bytes;
} sprig_model_info;

/* Opening verifies the whole file. */
sprig_status sprig_model_open(const char* path, sprig_model** model);
/* `data` must stay valid (and unchanged) until the model and all its sessions are gone. */
sprig_status sprig_model_from_buffer(const void* data, size_t size, sprig_model** model);
void sprig_model_get_info(const sprig_model* model, sprig_model_info* info);
/* Sessions keep what they need of the model; it may be closed before them. */
void sprig_model_close(sprig_model* model);

/* The bytes sprig_session_create needs for these options (NULL: defaults). */
sprig_status sprig_session_bytes(const sprig_model* model, const sprig_session_options* options, size_t* bytes);
/* In `memory` (memory_bytes >= sprig_session_bytes, kept until sprig_session_destroy), or with
 * one allocation when memory is NULL. */
sprig_status sprig_session_create(const sprig_model* model, const sprig_session_options* options, void* memory,
                                  size_t memory_bytes, sprig_session** session);
void sprig_session_destroy(sprig_session* session);
/* Forgets every token (the context starts empty) and restarts detokenizing. */
void sprig_session_reset(sprig_session* session);
uint32_t sprig_session_position(const sprig_session* session);
uint32_t sprig_session_context_length(const sprig_session* session);

/* Text to token ids in the session's arena; *tokens stays valid until the next sprig_tokenize on
 * this session. add_bos: the model's BOS first (if it has one); parse_special: control tokens
 * written in the text ("<|im_end|>") become those tokens. */
sprig_status sprig_tokenize(sprig_session* session, const char* text, size_t length, int add_bos, int parse_special,
                            const int32_t** tokens, size_t* count);
/* Feeds tokens at the next positions in batches; logits then follow the last one. */
sprig_status sprig_prefill(sprig_session* session, const int32_t* tokens, size_t count);
sprig_status sprig_decode(sprig_session* session, int32_t token);
/* The logits after the last token fed: vocab_size floats (sprig_model_info's, the tokenizer's tokens: a padded
   vocabulary's extra rows get none), valid until the next prefill/decode. */
const float* sprig_logits(const sprig_session* session, size_t* count);
/* Drops `drop` cached tokens after the first `keep` (see SPRIG_CONTEXT_SHIFT); a model with learned positions
   (GPT-2) cannot move its cache and recomputes the tokens that stay instead. */
sprig_status sprig_shift(sprig_session* session, uint32_t keep, uint32_t drop);

/* Sampling settings (the default is greedy); reseeds the sampler. */
sprig_status sprig_set_sampler(sprig_session* session, const sprig_sampler_options* options);
/* Chooses the next token from the current logits (which stay as they were). */
sprig_status sprig_sample(sprig_session* session, int32_t* token);

/* Streaming detokenization: the whole UTF-8 characters `token` completes (maybe none) after the
 * tokens fed and detokenized before it. *text stays valid until the next call on this session. */
sprig_status sprig_detokenize(sprig_session* session, int32_t token, const char** text, size_t* length);
/* Ends the stream: an unfinished character comes out as U+FFFD. */
sprig_status sprig_detokenize_finish(sprig_session* session, const char** text, size_t* length);

typedef enum sprig_stop_reason {
  SPRIG_STOP_TOKEN_LIMIT = 0,
  SPRIG_STOP_END_OF_SEQUENCE = 1,
  SPRIG_STOP_CONTEXT_FULL = 2,
  SPRIG_STOP_CANCELLED = 3
} sprig_stop_reason;

typedef struct sprig_generation_stats {
  uint32_t prompt_tokens;
  uint32_t generated_tokens;
  uint32_t shifts; /* context shifts made */
  sprig_stop_reason stop;
} sprig_generation_stats;

/* Receives each generated token and the whole UTF-8 characters it completes (text may be empty;
 * at the end, token -1 carries an unfinished character as U+FFFD). Returns nonzero to go on. */
typedef int (*sprig_token_callback)(void* user, int32_t token, const char* text, size_t length);

/* Tokenizes `prompt` (with the model's BOS if it adds one), feeds it, then samples up to
 * max_tokens tokens, streaming each to `callback`; stats may be NULL. */
sprig_status sprig_generate(sprig_session* session, const char* prompt, size_t length, uint32_t max_tokens,
                            sprig_token_callback callback, void* user, sprig_generation_stats* stats);

/* ---- Chat: models whose file carries a chat template -------------------------------------------
 * A chat renders role/content messages with the model's template (markers as control tokens,
 * content always plain text), prefills only each turn's new tokens, stops at the template's stop
 * tokens, and drops the oldest turns (never the system message) when the context is full. It uses
 * its session and the session's sampler (sprig_set_sampler) exclusively until destroyed. Its
 * message slots (64 messages of 4096 bytes) are reserved at creation; within them turns make no
 * heap calls. */
typedef struct sprig_chat sprig_chat;

typedef struct sprig_chat_stats {
  uint32_t prefilled_tokens; /* tokens this turn fed through prefill */
  uint32_t generated_tokens; /* reply tokens, the stop token not counted */
  uint32_t dropped_messages; /* oldest messages dropped because the context was full */
  sprig_stop_reason stop;
} sprig_chat_stats;

/* Nonzero when the model file has a chat template. */
int sprig_model_has_chat_template(const sprig_model* model);
/* Tokens fed through prefill since the session was created (a turn's cost shows in its change). */
uint64_t sprig_session_prefilled_tokens(const sprig_session* session);

sprig_status sprig_chat_create(sprig_session* session, sprig_chat** chat);
void sprig_chat_destroy(sprig_chat* chat);
/* Replaces the conversation with role/content JSON ([{"role": "system", "content": "..."}, ...]);
 * the next turn computes it. Malformed JSON is SPRIG_ERROR_INVALID_ARGUMENT naming the place. */
sprig_status sprig_chat_set_messages_json(sprig_chat* chat, const char* json, size_t length);
/* The conversation as role/content JSON; *json stays valid until the next call on this chat. */
sprig_status sprig_chat_messages_json(sprig_chat* chat, const char** json, size_t* length);
/* Starts over, keeping a leading system message. */
sprig_status sprig_chat_reset(sprig_chat* chat);
/* Adds the user's message (length 0: answer the conversation as it stands) and generates the
 * reply, streamed to `callback` (may be NULL); stats may be NULL. */
sprig_status sprig_chat_turn(sprig_chat* chat, const char* user, size_t length, uint32_t max_tokens,
                             sprig_token_callback callback, void* user_data, sprig_chat_stats* stats);
/* The prompt text the template renders for the conversation, generation prompt included;
 * *text stays valid until the next call on this chat. */
sprig_status sprig_chat_render_prompt(sprig_chat* chat, const char** text, size_t* length);
/* Prefills the conversation so far (a long system prompt) so sprig_chat_save_session keeps it. */
sprig_status sprig_chat_prime(sprig_chat* chat);
/* The KV cache, its tokens and the conversation to a file, and back (same model and session
 * options; anything else, or a damaged file, is an error and leaves the chat empty). */
sprig_status sprig_chat_save_session(const sprig_chat* chat, const char* path);
sprig_status sprig_chat_load_session(sprig_chat* chat, const char* path);

/* ---- Bindings (JNI and others): what a model offers without a session ---------------------------
 * These calls work on tokenizer-only files too. They may allocate: they are for setting up and
 * for showing things, not for the token path. */
typedef struct sprig_model_details {
  const char* architecture;  /* "llama", "qwen2", ...: static */
  const char* chat_template; /* "chatml", "llama2", ...: static; NULL when the file has none */
  uint64_t parameters;       /* elements of all weight tensors (0 in a tokenizer-only file) */
  uint32_t layers;
  uint32_t dim;
  int tokenizer_only;        /* nonzero: no weights, sessions cannot be created */
  int byte_level;            /* nonzero: a byte-level BPE vocabulary (GPT-2 style) */
} sprig_model_details;

void sprig_model_get_details(const sprig_model* model, sprig_model_details* details);
/* Text to token ids into `ids` (capacity of them). *count is how many ids the text has; when that
 * is more than capacity the call returns SPRIG_ERROR_TEXT_TOO_LONG and the caller may retry with
 * *count. At most 1 << 24 bytes of text. */
sprig_status sprig_model_tokenize(const sprig_model* model, const char* text, size_t length, int add_bos,
                                  int parse_special, int32_t* ids, size_t capacity, size_t* count);
/* The bytes a token stands for at the start of a text (a byte-level token may hold part of a UTF-8
 * character; control tokens are their piece, "<|im_end|>"). Valid as long as the model. */
sprig_status sprig_model_token_bytes(const sprig_model* model, int32_t token, const char** bytes, size_t* length);
/* ---- end of the bindings block ---------------------------------------------------------------- */
/* ---- Prefix reuse and cancellation ------------------------------------------------------------
 * A server keeps one session per client slot: for a new prompt it keeps the longest prefix the
 * prompt shares with the tokens already cached, truncates the session to it, and prefills only
 * the rest (the caller remembers which tokens it fed). The logits are stale until that prefill.
 * Generation stops within one token when a callback returns 0 (sprig_generate, sprig_chat_turn).
 * Truncating to more positions than the session holds is SPRIG_ERROR_INVALID_ARGUMENT. */
sprig_status sprig_session_truncate(sprig_session* session, uint32_t positions);
/* How a chat renders its template's variable parts. Later versions append fields at the end; fill
 * it with sprig_chat_options_init first. */
typedef struct sprig_chat_options {
  const char* date; /* "YYYY-MM-DD" dated templates write (Llama 3.1+, SmolLM3, Granite); NULL: today's */
  int think;        /* the reasoning switch (Qwen3, SmolLM3 enable_thinking): -1 the template's, 0 off, 1 on */
} sprig_chat_options;

/* Defaults: the device's date, the template's own reasoning default. */
void sprig_chat_options_init(sprig_chat_options* options);
/* Applies to the next render or turn. A malformed date, a think other than -1/0/1, or 0/1 for a
 * template without a switch is SPRIG_ERROR_INVALID_ARGUMENT, and nothing is changed. */
sprig_status sprig_chat_set_options(sprig_chat* chat, const sprig_chat_options* options);

/* ---- Saving a session ---------------------------------------------------------------------------
 * The tokens in the context and their KV cache to a file, and back into a session of the same
 * model and session options (an app stopped by the system resumes without computing them again).
 * The sampler is not saved (call sprig_set_sampler after loading); detokenizing goes on after the
 * last token loaded. A missing, damaged or truncated file, one for another model or options, or a
 * chat's file (sprig_chat_save_session) is SPRIG_ERROR_INVALID_ARGUMENT naming the file and what
 * is wrong, and leaves the session empty (position 0) and usable. */
sprig_status sprig_session_save(const sprig_session* session, const char* path);
sprig_status sprig_session_load(sprig_session* session, const char* path);

#ifdef __cplusplus
}
#endif

#endif /* SPRIG_SPRIG_H */
