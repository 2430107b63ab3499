// org.sprig.Native's session calls: planning and creating the one block, generating with a Java
// collector (stop strings held back so the listener never sees them), cancelling from any thread,
// and next-token probabilities. The Java side serialises calls on a session and keeps the handle
// live; these functions check every argument that comes from Java.
#include <algorithm>
#include <cmath>
#include <new>
#include <numeric>
#include <string>
#include <vector>

#include "jni_sampler.h"
#include "jni_session.h"
#include "jni_support.h"

using namespace sprig::jni;

namespace {

constexpr size_t kAlign = 64;
size_t align_up(size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

JniSession* session_of(jlong handle) { return from_handle<JniSession>(handle); }

// SessionOptions as Java passes them: context, batch, threads, kv cache, max text bytes, context
// policy, keep tokens, backend.
constexpr jsize kOptionCount = 8;

bool read_options(JNIEnv* env, jintArray array, sprig_session_options& o) {
  if (null_argument(env, array, "options")) return false;
  if (env->GetArrayLength(array) != kOptionCount) {
    throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "session options: 8 values expected");
    return false;
  }
  jint v[kOptionCount];
  env->GetIntArrayRegion(array, 0, kOptionCount, v);
  for (jint x : v)
    if (x < 0) {
      throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "session options must not be negative");
      return false;
    }
  sprig_session_options_init(&o);
  o.context_length = uint32_t(v[0]);
  o.batch = uint32_t(v[1]);
  o.threads = uint32_t(v[2]);
  o.kv_cache = sprig_kv_cache_type(v[3]);
  o.max_text_bytes = uint32_t(v[4]);
  o.on_context_full = sprig_context_policy(v[5]);
  o.keep_tokens = uint32_t(v[6]);
  o.backend = sprig_matmul_backend(v[7]);
  return true;
}

// [JniSession][prompt text][C API session]: the whole block, and the C API part of it.
bool plan(JNIEnv* env, const sprig_model* model, const sprig_session_options& o, size_t& block, size_t& arena) {
  if (sprig_status s = sprig_session_bytes(model, &o, &arena); s != SPRIG_OK) {
    throw_status(env, s);
    return false;
  }
  block = align_up(sizeof(JniSession)) + align_up(o.max_text_bytes) + arena;
  return true;
}

// Delivers generated text to the Java TextCollector, holding back whatever may be the start of
// a stop string so the listener and the returned text never contain one.
struct Delivery {
  JNIEnv* env;
  jobject collector;
  JniSession* session;
  const std::vector<std::string>* stops;
  std::string held;
  bool stop_string = false;  // generation ended at a stop string
  bool failed = false;       // a Java exception is pending

  bool emit(const char* text, size_t length) {
    if (length == 0) return true;
    jstring piece = to_java(env, text, length);
    if (piece) {
      env->CallVoidMethod(collector, cached().collector_piece, piece);
      env->DeleteLocalRef(piece);
    }
    failed = env->ExceptionCheck();
    return !failed;
  }

  bool hold_back(const char* text, size_t length) {
    held.append(text, length);
    size_t first = std::string::npos;
    for (const std::string& stop : *stops) first = std::min(first, held.find(stop));
    if (first != std::string::npos) {
      stop_string = true;
      emit(held.data(), first);
      return false;
    }
    size_t keep = 0;  // the longest end of `held` that begins a stop string
    for (const std::string& stop : *stops)
      for (size_t k = std::min(stop.size() - 1, held.size()); k > keep; --k)
        if (held.compare(held.size() - k, k, stop, 0, k) == 0) {
          keep = k;
          break;
        }
    const size_t ready = held.size() - keep;
    if (!emit(held.data(), ready)) return false;
    held.erase(0, ready);
    return true;
  }
};

int on_token(void* user, int32_t, const char* text, size_t length) {
  auto& d = *static_cast<Delivery*>(user);
  const bool go_on = d.stops->empty() ? d.emit(text, length) : d.hold_back(text, length);
  return go_on && !d.session->cancel.load(std::memory_order_relaxed);
}

bool read_stops(JNIEnv* env, jobjectArray array, std::vector<std::string>& stops) {
  if (!array) return true;
  const jsize n = env->GetArrayLength(array);
  for (jsize i = 0; i < n; ++i) {
    auto s = static_cast<jstring>(env->GetObjectArrayElement(array, i));
    if (null_argument(env, s, "a stop string")) return false;
    std::string utf8;
    to_utf8(env, s, utf8);
    env->DeleteLocalRef(s);
    if (utf8.empty()) {
      throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "a stop string must not be empty");
      return false;
    }
    stops.push_back(std::move(utf8));
  }
  return true;
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_org_sprig_Native_sessionBytes(JNIEnv* env, jclass, jlong model, jintArray options) {
  sprig_session_options o;
  size_t block = 0, arena = 0;
  if (!read_options(env, options, o) || !plan(env, from_handle<sprig_model>(model), o, block, arena)) return 0;
  return jlong(block);
}

JNIEXPORT jlong JNICALL Java_org_sprig_Native_sessionCreate(JNIEnv* env, jclass, jlong model_handle,
                                                            jintArray options) {
  const auto* model = from_handle<sprig_model>(model_handle);
  sprig_session_options o;
  size_t block = 0, arena = 0;
  if (!read_options(env, options, o) || !plan(env, model, o, block, arena)) return 0;
  auto* memory = static_cast<std::byte*>(::operator new(block, std::nothrow));
  if (!memory) {
    const std::string message = "cannot allocate the session's " + std::to_string(block) + " bytes";
    throw_sprig(env, SPRIG_ERROR_MEMORY, message.c_str());
    return 0;
  }
  auto* s = new (memory) JniSession;
  s->text = reinterpret_cast<char*>(memory + align_up(sizeof(JniSession)));
  s->text_capacity = o.max_text_bytes;
  std::byte* arena_start = memory + align_up(sizeof(JniSession)) + align_up(o.max_text_bytes);
  if (sprig_status status = sprig_session_create(model, &o, arena_start, arena, &s->session); status != SPRIG_OK) {
    s->~JniSession();
    ::operator delete(memory);
    throw_status(env, status);
    return 0;
  }
  sprig_model_info info;
  sprig_model_get_info(model, &info);
  s->add_bos = info.add_bos;
  return to_handle(s);
}

JNIEXPORT void JNICALL Java_org_sprig_Native_sessionDestroy(JNIEnv*, jclass, jlong handle) {
  JniSession* s = session_of(handle);
  sprig_session_destroy(s->session);
  s->~JniSession();
  ::operator delete(static_cast<void*>(s));
}

JNIEXPORT void JNICALL Java_org_sprig_Native_sessionReset(JNIEnv*, jclass, jlong handle) {
  sprig_session_reset(session_of(handle)->session);
}

JNIEXPORT void JNICALL Java_org_sprig_Native_sessionCancel(JNIEnv*, jclass, jlong handle) {
  session_of(handle)->cancel.store(true, std::memory_order_relaxed);
}

// position, context length, tokens prefilled since creation
JNIEXPORT jlong JNICALL Java_org_sprig_Native_sessionNumber(JNIEnv*, jclass, jlong handle, jint which) {
  const sprig_session* s = session_of(handle)->session;
  switch (which) {
    case 0: return sprig_session_position(s);
    case 1: return sprig_session_context_length(s);
    default: return jlong(sprig_session_prefilled_tokens(s));
  }
}

// stats: prompt tokens, generated tokens, shifts, stop reason (4: a stop string).
JNIEXPORT void JNICALL Java_org_sprig_Native_sessionGenerate(JNIEnv* env, jclass, jlong handle, jstring prompt,
                                                             jfloatArray sampling, jintArray counts, jlong seed,
                                                             jint max_tokens, jobjectArray stop_strings,
                                                             jobject collector, jintArray stats) {
  JniSession* s = session_of(handle);
  if (null_argument(env, prompt, "prompt") || null_argument(env, collector, "collector") ||
      null_argument(env, stats, "stats"))
    return;
  if (max_tokens < 0) {
    throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "maxTokens must not be negative");
    return;
  }
  std::vector<std::string> stops;
  if (!read_stops(env, stop_strings, stops)) return;
  size_t length = 0;
  if (!to_utf8(env, prompt, s->text, s->text_capacity, &length)) return;
  if (!set_sampler(env, s->session, sampling, counts, seed)) return;
  s->cancel.store(false, std::memory_order_relaxed);
  Delivery delivery{env, collector, s, &stops, {}};
  sprig_generation_stats result{};
  const sprig_status status =
      sprig_generate(s->session, s->text, length, uint32_t(max_tokens), on_token, &delivery, &result);
  if (delivery.failed || env->ExceptionCheck()) return;  // the listener's exception goes to the caller
  if (status != SPRIG_OK) {
    throw_status(env, status);
    return;
  }
  if (!delivery.stop_string && !delivery.emit(delivery.held.data(), delivery.held.size())) return;
  const jint numbers[] = {jint(result.prompt_tokens), jint(result.generated_tokens), jint(result.shifts),
                          delivery.stop_string ? 4 : jint(result.stop)};
  if (env->GetArrayLength(stats) >= 4) env->SetIntArrayRegion(stats, 0, 4, numbers);
}

// The k most likely next tokens after `text` (the context starts over): ids and probabilities,
// softmax in double precision as `sprig probs` computes it. Returns how many were written.
JNIEXPORT jint JNICALL Java_org_sprig_Native_sessionProbs(JNIEnv* env, jclass, jlong handle, jstring text, jint k,
                                                          jintArray ids_out, jdoubleArray probabilities_out) {
  JniSession* s = session_of(handle);
  if (null_argument(env, text, "text") || null_argument(env, ids_out, "ids") ||
      null_argument(env, probabilities_out, "probabilities"))
    return 0;
  if (k <= 0 || env->GetArrayLength(ids_out) < k || env->GetArrayLength(probabilities_out) < k) {
    throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "k must be positive");
    return 0;
  }
  size_t length = 0;
  if (!to_utf8(env, text, s->text, s->text_capacity, &length)) return 0;
  sprig_session_reset(s->session);
  const int32_t* tokens = nullptr;
  size_t count = 0;
  sprig_status status = sprig_tokenize(s->session, s->text, length, s->add_bos, 0, &tokens, &count);
  if (status == SPRIG_OK && count == 0) {
    throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "the text has no tokens (and the model adds no BOS)");
    return 0;
  }
  // One token at a time, as `sprig probs` feeds them (a batched prefill may round differently).
  for (size_t i = 0; status == SPRIG_OK && i < count; ++i) status = sprig_decode(s->session, tokens[i]);
  if (status != SPRIG_OK) {
    throw_status(env, status);
    return 0;
  }
  size_t vocab = 0;
  const float* logits = sprig_logits(s->session, &vocab);
  const float peak = *std::max_element(logits, logits + vocab);
  double sum = 0;
  for (size_t i = 0; i < vocab; ++i) sum += std::exp(double(logits[i]) - peak);
  std::vector<int32_t> order(vocab);
  std::iota(order.begin(), order.end(), 0);
  const size_t n = std::min(size_t(k), vocab);
  std::partial_sort(order.begin(), order.begin() + ptrdiff_t(n), order.end(), [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  std::vector<double> probabilities(n);
  for (size_t i = 0; i < n; ++i) probabilities[i] = std::exp(double(logits[order[i]]) - peak) / sum;
  env->SetIntArrayRegion(ids_out, 0, jsize(n), reinterpret_cast<const jint*>(order.data()));
  env->SetDoubleArrayRegion(probabilities_out, 0, jsize(n), probabilities.data());
  return jint(n);
}

}  // extern "C"
