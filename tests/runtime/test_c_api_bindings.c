/* The bindings block of sprig.h from C: model details, tokenizing without a session (the same
 * ids as a session's tokenizer), token bytes, and their errors.
 * Usage: test_c_api_bindings stories260K.sprig chat.sprig qwen-tokenizer.sprig */
#include <stdio.h>
#include <string.h>

#include "sprig/sprig.h"

static int failures = 0;
#define CHECK(condition)                                                      \
  do {                                                                        \
    if (!(condition)) {                                                       \
      fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                             \
    }                                                                         \
  } while (0)

static void details(const char* base_path, const char* chat_path, const char* qwen_path) {
  sprig_model* base = NULL;
  sprig_model* chat = NULL;
  sprig_model* qwen = NULL;
  CHECK(sprig_model_open(base_path, &base) == SPRIG_OK);
  CHECK(sprig_model_open(chat_path, &chat) == SPRIG_OK);
  CHECK(sprig_model_open(qwen_path, &qwen) == SPRIG_OK);
  if (!base || !chat || !qwen) return;
  sprig_model_details d;
  sprig_model_get_details(base, &d);
  CHECK(strcmp(d.architecture, "llama") == 0);
  CHECK(d.chat_template == NULL);
  /* llama2.c's stories260K: dim 64, 5 layers, 8 heads over 4 KV heads, FFN 172, vocabulary 512,
   * output tied to the embedding: 512*64 + 5*(2*64 + 64*64*2 + 64*32*2 + 3*64*172) + 64 */
  CHECK(d.parameters == 260032);
  CHECK(d.layers == 5 && d.dim == 64);
  CHECK(!d.tokenizer_only && !d.byte_level);
  sprig_model_get_details(chat, &d);
  CHECK(d.chat_template && strcmp(d.chat_template, "chatml") == 0);
  sprig_model_get_details(qwen, &d);
  CHECK(d.tokenizer_only && d.byte_level && d.parameters == 0);
  sprig_model_close(base);
  sprig_model_close(chat);
  sprig_model_close(qwen);
}

static void tokenize_like_a_session(const char* base_path) {
  sprig_model* model = NULL;
  CHECK(sprig_model_open(base_path, &model) == SPRIG_OK);
  if (!model) return;
  sprig_session* session = NULL;
  CHECK(sprig_session_create(model, NULL, NULL, 0, &session) == SPRIG_OK);
  const char* text = "Once upon a time, Lily saw a big dog. 작은 고양이 😀";
  const int32_t* expected = NULL;
  size_t expected_count = 0;
  CHECK(sprig_tokenize(session, text, strlen(text), 1, 0, &expected, &expected_count) == SPRIG_OK);
  int32_t ids[256];
  size_t count = 0;
  CHECK(sprig_model_tokenize(model, text, strlen(text), 1, 0, ids, 256, &count) == SPRIG_OK);
  CHECK(count == expected_count && count > 10);
  CHECK(memcmp(ids, expected, count * sizeof(int32_t)) == 0);
  /* Too little room: the count comes back, and the call says so. */
  size_t needed = 0;
  CHECK(sprig_model_tokenize(model, text, strlen(text), 1, 0, NULL, 0, &needed) == SPRIG_ERROR_TEXT_TOO_LONG);
  CHECK(needed == count);
  CHECK(sprig_model_tokenize(model, text, strlen(text), 1, 0, ids, 3, &needed) == SPRIG_ERROR_TEXT_TOO_LONG);
  CHECK(strstr(sprig_last_error(), "room for 3") != NULL);
  CHECK(sprig_model_tokenize(NULL, text, 1, 0, 0, ids, 256, &count) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(sprig_model_tokenize(model, NULL, 1, 0, 0, ids, 256, &count) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(sprig_model_tokenize(model, "", 0, 0, 0, ids, 256, &count) == SPRIG_OK && count == 0);
  sprig_session_destroy(session);
  sprig_model_close(model);
}

static void token_bytes(const char* qwen_path) {
  sprig_model* model = NULL;
  CHECK(sprig_model_open(qwen_path, &model) == SPRIG_OK);
  if (!model) return;
  const char* text = "안녕하세요, 세계! 😀👍🏽 <|im_end|>";
  int32_t ids[128];
  size_t count = 0;
  CHECK(sprig_model_tokenize(model, text, strlen(text), 0, 1, ids, 128, &count) == SPRIG_OK);
  char joined[256];
  size_t length = 0;
  for (size_t i = 0; i < count; ++i) {
    const char* bytes = NULL;
    size_t n = 0;
    CHECK(sprig_model_token_bytes(model, ids[i], &bytes, &n) == SPRIG_OK);
    if (length + n < sizeof(joined)) memcpy(joined + length, bytes, n);
    length += n;
  }
  /* Byte-level tokens give back the text byte for byte; the control token reads as its piece. */
  CHECK(length == strlen(text) && memcmp(joined, text, length) == 0);
  const char* bytes = NULL;
  size_t n = 0;
  CHECK(sprig_model_token_bytes(model, -1, &bytes, &n) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(sprig_model_token_bytes(model, 151665, &bytes, &n) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(sprig_last_error(), "outside the vocabulary") != NULL);
  CHECK(sprig_model_token_bytes(NULL, 0, &bytes, &n) == SPRIG_ERROR_INVALID_ARGUMENT);
  sprig_model_close(model);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: test_c_api_bindings stories260K.sprig chat.sprig qwen-tokenizer.sprig\n");
    return 2;
  }
  details(argv[1], argv[2], argv[3]);
  tokenize_like_a_session(argv[1]);
  token_bytes(argv[3]);
  if (failures) fprintf(stderr, "%d failed\n", failures);
  else printf("c_api_bindings: all checks passed\n");
  return failures ? 1 : 0;
}
