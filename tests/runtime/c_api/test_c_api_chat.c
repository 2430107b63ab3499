/* The chat part of the C API, compiled as C: two greedy turns on stories260K-chat (the second
 * prefills only its own tokens), the rendered prompt, the conversation as JSON, a saved session
 * resumed in a new session, and errors for malformed JSON and for a model without a template.
 * With a fourth model (SmolLM3's template), sprig_chat_options pins the date and the switch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sprig/sprig.h"

static int failures = 0;
#define CHECK(cond)                                                        \
  do {                                                                     \
    if (cond) {                                                            \
      printf("ok: %s\n", #cond);                                           \
    } else {                                                               \
      printf("FAILED (line %d): %s [%s]\n", __LINE__, #cond, sprig_last_error()); \
      ++failures;                                                          \
    }                                                                      \
  } while (0)

typedef struct {
  char text[4096];
  size_t length;
} Reply;

static int collect(void* user, int32_t token, const char* text, size_t length) {
  Reply* reply = (Reply*)user;
  (void)token;
  if (reply->length + length < sizeof reply->text) {
    memcpy(reply->text + reply->length, text, length);
    reply->length += length;
    reply->text[reply->length] = '\0';
  }
  return 1;
}

static int ends_with(const char* text, size_t length, const char* tail) {
  const size_t n = strlen(tail);
  return length >= n && memcmp(text + length - n, tail, n) == 0;
}

static const char* kSystem = "[{\"role\": \"system\", \"content\": \"You are a kind storyteller.\"}]";

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    fprintf(stderr, "usage: test_c_api_chat CHAT_MODEL BASE_MODEL WORK_DIR [SMOLLM3_TEMPLATE_MODEL]\n");
    return 2;
  }
  sprig_model* model = NULL;
  sprig_model* base = NULL;
  if (sprig_model_open(argv[1], &model) != SPRIG_OK || sprig_model_open(argv[2], &base) != SPRIG_OK) {
    fprintf(stderr, "cannot open the models: %s\n", sprig_last_error());
    return 1;
  }
  CHECK(sprig_model_has_chat_template(model) == 1);
  CHECK(sprig_model_has_chat_template(base) == 0);

  sprig_session_options options;
  sprig_session_options_init(&options);
  options.context_length = 512;
  sprig_session* session = NULL;
  sprig_chat* chat = NULL;
  CHECK(sprig_session_create(model, &options, NULL, 0, &session) == SPRIG_OK);
  CHECK(sprig_chat_create(session, &chat) == SPRIG_OK);
  CHECK(sprig_chat_set_messages_json(chat, kSystem, strlen(kSystem)) == SPRIG_OK);

  Reply first = {{0}, 0};
  sprig_chat_stats stats1, stats2;
  const char* ask = "Tell me a story about a dog named Max.";
  CHECK(sprig_chat_turn(chat, ask, strlen(ask), 200, collect, &first, &stats1) == SPRIG_OK);
  printf("reply 1: %s\n", first.text);
  CHECK(stats1.stop == SPRIG_STOP_END_OF_SEQUENCE);
  CHECK(strstr(first.text, "Max") != NULL && strstr(first.text, "Max") < strchr(first.text, '.'));
  CHECK(strstr(first.text, "im_end") == NULL);
  CHECK(sprig_session_prefilled_tokens(session) == stats1.prefilled_tokens);

  Reply second = {{0}, 0};
  const uint64_t before = sprig_session_prefilled_tokens(session);
  const char* next = "Now tell me what happened next.";
  CHECK(sprig_chat_turn(chat, next, strlen(next), 200, collect, &second, &stats2) == SPRIG_OK);
  printf("reply 2: %s\n", second.text);
  CHECK(sprig_session_prefilled_tokens(session) - before == stats2.prefilled_tokens);
  CHECK(stats2.prefilled_tokens < stats1.prefilled_tokens);
  CHECK(sprig_session_position(session) ==
        stats1.prefilled_tokens + stats1.generated_tokens + stats2.prefilled_tokens + stats2.generated_tokens);

  const char* text = NULL;
  size_t length = 0;
  CHECK(sprig_chat_render_prompt(chat, &text, &length) == SPRIG_OK);
  const char* tail = "<|im_start|>user\nNow tell me what happened next.<|im_end|>\n<|im_start|>assistant\n";
  /* The prompt of the whole conversation ends with the last assistant turn and a new generation prompt. */
  CHECK(length > strlen(tail) && strstr(text, tail) != NULL);
  CHECK(sprig_chat_messages_json(chat, &text, &length) == SPRIG_OK);
  char* saved_json = malloc(length + 1);
  memcpy(saved_json, text, length + 1);
  CHECK(strstr(saved_json, "\"role\": \"assistant\"") != NULL);

  char path[1024];
  snprintf(path, sizeof path, "%s/chat.kv", argv[3]);
  CHECK(sprig_chat_save_session(chat, path) == SPRIG_OK);
  sprig_session* session2 = NULL;
  sprig_chat* chat2 = NULL;
  CHECK(sprig_session_create(model, &options, NULL, 0, &session2) == SPRIG_OK);
  CHECK(sprig_chat_create(session2, &chat2) == SPRIG_OK);
  CHECK(sprig_chat_load_session(chat2, path) == SPRIG_OK);
  CHECK(sprig_session_position(session2) == sprig_session_position(session));
  CHECK(sprig_session_prefilled_tokens(session2) == 0);
  CHECK(sprig_chat_messages_json(chat2, &text, &length) == SPRIG_OK);
  CHECK(strcmp(text, saved_json) == 0);
  free(saved_json);

  const char* bad = "[{\"role\": \"user\", \"content\": 5}]";
  CHECK(sprig_chat_set_messages_json(chat2, bad, strlen(bad)) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(sprig_last_error(), "line 1 column") != NULL);
  CHECK(sprig_chat_reset(chat2) == SPRIG_OK);
  CHECK(sprig_session_position(session2) == 0);

  sprig_session* base_session = NULL;
  sprig_chat* none = NULL;
  CHECK(sprig_session_create(base, &options, NULL, 0, &base_session) == SPRIG_OK);
  CHECK(sprig_chat_create(base_session, &none) == SPRIG_ERROR_MODEL);
  CHECK(strstr(sprig_last_error(), "no chat template") != NULL);

  /* Chat options: stories260K-chat's template has neither a date nor a reasoning switch. */
  sprig_chat_options chat_options;
  sprig_chat_options_init(&chat_options);
  CHECK(chat_options.date == NULL && chat_options.think == -1);
  CHECK(sprig_chat_set_options(chat2, &chat_options) == SPRIG_OK);
  chat_options.think = 0;
  CHECK(sprig_chat_set_options(chat2, &chat_options) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(sprig_last_error(), "no reasoning switch") != NULL);
  chat_options.think = -1;
  chat_options.date = "2026-02-30";
  CHECK(sprig_chat_set_options(chat2, &chat_options) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(sprig_last_error(), "2026-02-30") != NULL);
  if (argc == 5) {
    sprig_model* smol = NULL;
    sprig_session* smol_session = NULL;
    sprig_chat* smol_chat = NULL;
    CHECK(sprig_model_open(argv[4], &smol) == SPRIG_OK);
    CHECK(sprig_session_create(smol, &options, NULL, 0, &smol_session) == SPRIG_OK);
    CHECK(sprig_chat_create(smol_session, &smol_chat) == SPRIG_OK);
    const char* hello = "[{\"role\": \"user\", \"content\": \"Hi\"}]";
    CHECK(sprig_chat_set_messages_json(smol_chat, hello, strlen(hello)) == SPRIG_OK);
    chat_options.date = "2026-03-09";
    chat_options.think = 0;
    CHECK(sprig_chat_set_options(smol_chat, &chat_options) == SPRIG_OK);
    CHECK(sprig_chat_render_prompt(smol_chat, &text, &length) == SPRIG_OK);
    CHECK(strstr(text, "Today Date: 09 March 2026\nReasoning Mode: /no_think\n") != NULL);
    CHECK(ends_with(text, length, "<|im_start|>assistant\n<think>\n\n</think>\n"));
    chat_options.think = -1; /* the template's default: thinking on */
    CHECK(sprig_chat_set_options(smol_chat, &chat_options) == SPRIG_OK);
    CHECK(sprig_chat_render_prompt(smol_chat, &text, &length) == SPRIG_OK);
    CHECK(strstr(text, "Reasoning Mode: /think\n") != NULL);
    CHECK(ends_with(text, length, "Hi<|im_end|>\n<|im_start|>assistant\n"));
    sprig_chat_destroy(smol_chat);
    sprig_session_destroy(smol_session);
    sprig_model_close(smol);
  }

  sprig_chat_destroy(chat2);
  sprig_chat_destroy(chat);
  sprig_session_destroy(base_session);
  sprig_session_destroy(session2);
  sprig_session_destroy(session);
  sprig_model_close(base);
  sprig_model_close(model);
  printf("%d failures\n", failures);
  return failures ? 1 : 0;
}
