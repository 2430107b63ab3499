/* Prefix reuse and cancellation through the C API, from C: a session that truncates its cache to
 * a shared prefix and prefills only the rest computes the same logits as a fresh session fed the
 * whole prompt; truncating past the cached positions is an error; a callback returning 0 stops
 * generation at that token. Usage: test_c_api_prefix stories260K.sprig */
#include <stdio.h>
#include <string.h>

#include "sprig/sprig.h"

static int failures = 0;
#define CHECK(condition)                                                    \
  do {                                                                      \
    if (!(condition)) {                                                     \
      fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

static int stop_after_three(void* user, int32_t token, const char* text, size_t length) {
  int* seen = (int*)user;
  (void)text;
  (void)length;
  if (token >= 0) ++*seen;
  return *seen < 3;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  sprig_model* model = NULL;
  CHECK(sprig_model_open(argv[1], &model) == SPRIG_OK);
  if (!model) return 1;
  sprig_session_options options;
  sprig_session_options_init(&options);
  options.context_length = 256;
  options.kv_cache = SPRIG_KV_F32;
  sprig_session *reused = NULL, *fresh = NULL;
  CHECK(sprig_session_create(model, &options, NULL, 0, &reused) == SPRIG_OK);
  CHECK(sprig_session_create(model, &options, NULL, 0, &fresh) == SPRIG_OK);

  /* Two prompts that share their beginning. */
  const char* first_text = "Once upon a time, there was a little girl named Lily.";
  const char* second_text = "Once upon a time, there was a big dog named Max.";
  int32_t first[64], second[64];
  const int32_t* ids = NULL;
  size_t first_count = 0, second_count = 0, shared = 0;
  CHECK(sprig_tokenize(reused, first_text, strlen(first_text), 1, 0, &ids, &first_count) == SPRIG_OK);
  memcpy(first, ids, first_count * sizeof(int32_t));
  CHECK(sprig_tokenize(reused, second_text, strlen(second_text), 1, 0, &ids, &second_count) == SPRIG_OK);
  memcpy(second, ids, second_count * sizeof(int32_t));
  while (shared < first_count && shared < second_count && first[shared] == second[shared]) ++shared;
  CHECK(shared > 3 && shared < second_count);

  CHECK(sprig_prefill(reused, first, first_count) == SPRIG_OK);
  CHECK(sprig_session_truncate(reused, (uint32_t)first_count + 1) == SPRIG_ERROR_INVALID_ARGUMENT);
  CHECK(strstr(sprig_last_error(), "positions") != NULL);
  CHECK(sprig_session_truncate(reused, (uint32_t)shared) == SPRIG_OK);
  CHECK(sprig_session_position(reused) == shared);
  CHECK(sprig_prefill(reused, second + shared, second_count - shared) == SPRIG_OK);
  CHECK(sprig_prefill(fresh, second, second_count) == SPRIG_OK);

  size_t n = 0, m = 0;
  const float* a = sprig_logits(reused, &n);
  const float* b = sprig_logits(fresh, &m);
  CHECK(n == m && n > 0);
  int same = n == m;
  for (size_t i = 0; same && i < n; ++i) same = a[i] == b[i];
  CHECK(same); /* the same positions, the same keys and values: bit-identical logits */

  /* Cancellation: the callback's 0 stops at the third token. */
  sprig_session_reset(fresh);
  int seen = 0;
  sprig_generation_stats stats;
  CHECK(sprig_generate(fresh, first_text, strlen(first_text), 50, stop_after_three, &seen, &stats) == SPRIG_OK);
  CHECK(stats.stop == SPRIG_STOP_CANCELLED && stats.generated_tokens == 3 && seen == 3);

  sprig_session_destroy(reused);
  sprig_session_destroy(fresh);
  sprig_model_close(model);
  if (failures == 0) printf("ok: prefix reuse (%zu of %zu tokens kept) gives a fresh session's logits; cancellation stops at once\n",
                            shared, second_count);
  return failures ? 1 : 0;
}
