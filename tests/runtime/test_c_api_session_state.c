/* sprig_session_save / sprig_session_load from C: a restored session continues exactly as the
 * uninterrupted one; damaged, truncated, missing and foreign files (another model, other options,
 * a chat's file) are SPRIG_ERROR_INVALID_ARGUMENT and leave the session empty and usable.
 * Usage: test_c_api_session_state stories260K.sprig chat.sprig qwen-tokenizer.sprig
 * (the files it writes go next to the first). */
#include <stdio.h>
#include <stdlib.h>
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

static const char kFirst[] = "Once upon a time, there was a little girl named Lily.";
static const char kSecond[] = " One day, she went to the park.";

typedef struct {
  char text[8192];
  size_t length;
} Text;

static int collect(void* user, int32_t token, const char* text, size_t length) {
  Text* t = (Text*)user;
  (void)token;
  if (t->length + length < sizeof t->text) {
    memcpy(t->text + t->length, text, length);
    t->length += length;
    t->text[t->length] = '\0';
  }
  return 1;
}

/* Greedy, or temperature 0.8 with a seed (each generate sets its sampler, as the Java API does). */
static void generate(sprig_session* s, const char* prompt, int sampled, Text* out) {
  sprig_sampler_options o;
  memset(&o, 0, sizeof o);
  o.top_p = 1.0f;
  if (sampled) {
    o.temperature = 0.8f;
    o.seed = 7;
    o.repeat_penalty = 1.3f;
  }
  CHECK(sprig_set_sampler(s, &o) == SPRIG_OK);
  out->length = 0;
  out->text[0] = '\0';
  CHECK(sprig_generate(s, prompt, strlen(prompt), 40, collect, out, NULL) == SPRIG_OK);
}

static sprig_session* new_session(const sprig_model* model, uint32_t context) {
  sprig_session_options o;
  sprig_session_options_init(&o);
  o.context_length = context;
  sprig_session* s = NULL;
  CHECK(sprig_session_create(model, &o, NULL, 0, &s) == SPRIG_OK);
  return s;
}

static size_t read_file(const char* path, unsigned char** bytes) {
  FILE* f = fopen(path, "rb");
  size_t n = 0;
  *bytes = NULL;
  if (!f) return 0;
  fseek(f, 0, SEEK_END);
  n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  *bytes = (unsigned char*)malloc(n ? n : 1);
  if (fread(*bytes, 1, n, f) != n) n = 0;
  fclose(f);
  return n;
}

static void write_file(const char* path, const unsigned char* bytes, size_t n) {
  FILE* f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f) return;
  CHECK(fwrite(bytes, 1, n, f) == n);
  fclose(f);
}

/* A bad file is refused with INVALID_ARGUMENT naming it; the session is then empty and usable. */
static void refused(sprig_session* s, const char* path, const Text* fresh_first) {
  Text again;
  CHECK(sprig_session_load(s, path) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(sprig_last_error(), path) != NULL);
  CHECK(sprig_session_position(s) == 0);
  generate(s, kFirst, 0, &again);
  CHECK(again.length == fresh_first->length && strcmp(again.text, fresh_first->text) == 0);
  sprig_session_reset(s);
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s base.sprig chat.sprig qwen.sprig\n", argv[0]);
    return 2;
  }
  char dir[4096], saved[4200], damaged[4200], truncated[4200], empty[4200], missing[4200], other_options[4200],
      other_model[4200], chat_file[4200];
  snprintf(dir, sizeof dir, "%s", argv[1]);
  char* slash = strrchr(dir, '/');
  if (slash) *slash = '\0'; else strcpy(dir, ".");
  snprintf(saved, sizeof saved, "%s/saved.state", dir);
  snprintf(damaged, sizeof damaged, "%s/damaged.state", dir);
  snprintf(truncated, sizeof truncated, "%s/truncated.state", dir);
  snprintf(empty, sizeof empty, "%s/empty.state", dir);
  snprintf(missing, sizeof missing, "%s/missing.state", dir);
  snprintf(other_options, sizeof other_options, "%s/other-options.state", dir);
  snprintf(other_model, sizeof other_model, "%s/other-model.state", dir);
  snprintf(chat_file, sizeof chat_file, "%s/chat.state", dir);

  sprig_model* base = NULL;
  sprig_model* chat_model = NULL;
  CHECK(sprig_model_open(argv[1], &base) == SPRIG_OK);
  CHECK(sprig_model_open(argv[2], &chat_model) == SPRIG_OK);
  if (!base || !chat_model) return 1;

  /* The uninterrupted run: two generations on one session, the second sampled. */
  sprig_session* a = new_session(base, 256);
  Text first, second, restored_second;
  generate(a, kFirst, 0, &first);
  CHECK(first.length > 20);
  const uint32_t position = sprig_session_position(a);
  CHECK(sprig_session_save(a, saved) == SPRIG_OK);
  generate(a, kSecond, 1, &second);
  CHECK(second.length > 20);

  /* Restored into a new session, the second generation is the same text. */
  sprig_session* b = new_session(base, 256);
  CHECK(sprig_session_load(b, saved) == SPRIG_OK);
  CHECK(sprig_session_position(b) == position);
  generate(b, kSecond, 1, &restored_second);
  CHECK(strcmp(second.text, restored_second.text) == 0);
  /* Without the saved context the same prompt gives other text (the state mattered). */
  sprig_session_reset(b);
  generate(b, kSecond, 1, &restored_second);
  CHECK(strcmp(second.text, restored_second.text) != 0);
  sprig_session_reset(b);

  /* Damaged files. */
  unsigned char* bytes = NULL;
  const size_t n = read_file(saved, &bytes);
  CHECK(n > 1000);
  if (n > 1000) {
    bytes[n / 2] ^= 0x40; /* inside the KV cache: only the checksum sees it */
    write_file(damaged, bytes, n);
    bytes[n / 2] ^= 0x40;
    write_file(truncated, bytes, n - 100);
    write_file(empty, bytes, 0);
  }
  free(bytes);
  refused(b, damaged, &first);
  refused(b, truncated, &first);
  refused(b, empty, &first);
  refused(b, missing, &first);

  /* Foreign files: other options, another model, a chat's file. */
  sprig_session* small = new_session(base, 128);
  Text ignored;
  generate(small, kFirst, 0, &ignored);
  CHECK(sprig_session_save(small, other_options) == SPRIG_OK);
  refused(b, other_options, &first);
  sprig_session* c = new_session(chat_model, 256);
  generate(c, kFirst, 0, &ignored);
  CHECK(sprig_session_save(c, other_model) == SPRIG_OK);
  refused(b, other_model, &first);
  sprig_session_reset(c);
  sprig_chat* chat = NULL;
  CHECK(sprig_chat_create(c, &chat) == SPRIG_OK);
  if (chat) {
    CHECK(sprig_chat_turn(chat, "Hello", 5, 8, NULL, NULL, NULL) == SPRIG_OK);
    CHECK(sprig_chat_save_session(chat, chat_file) == SPRIG_OK);
    sprig_chat_destroy(chat);
  }
  sprig_session* plain_on_chat_model = new_session(chat_model, 256);
  CHECK(sprig_session_load(plain_on_chat_model, chat_file) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(sprig_last_error(), "chat") != NULL);
  CHECK(sprig_session_position(plain_on_chat_model) == 0);
  CHECK(sprig_session_load(plain_on_chat_model, other_model) == SPRIG_OK);

  /* NULL arguments. */
  CHECK(sprig_session_save(NULL, saved) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(sprig_session_save(a, NULL) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(sprig_session_load(NULL, saved) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(sprig_session_load(a, NULL) == SPRIG_ERROR_INVALID_ARGUMENT);
  /* Unwritable path. */
  CHECK(sprig_session_save(a, "/nonexistent-folder/x.state") == SPRIG_ERROR_INVALID_ARGUMENT);

  sprig_session_destroy(plain_on_chat_model);
  sprig_session_destroy(c);
  sprig_session_destroy(small);
  sprig_session_destroy(b);
  sprig_session_destroy(a);
  sprig_model_close(chat_model);
  sprig_model_close(base);
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("c_api_session_state: all checks passed\n");
  return 0;
}
