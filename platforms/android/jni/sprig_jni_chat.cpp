// org.sprig.Native's chat calls over the C API's sprig_chat. A chat owns its session while it is
// open (the Java Chat holds the session's guard for each call); replies stream to a Java
// TextCollector like Session.generate's, and Session.cancel() stops them too.
#include <string>

#include "jni_sampler.h"
#include "jni_session.h"
#include "jni_support.h"

using namespace sprig::jni;

namespace {

sprig_chat* chat_of(jlong handle) { return from_handle<sprig_chat>(handle); }

struct Delivery {
  JNIEnv* env;
  jobject collector;
  JniSession* session;
  bool failed = false;
};

int on_token(void* user, int32_t, const char* text, size_t length) {
  auto& d = *static_cast<Delivery*>(user);
  if (length) {
    jstring piece = to_java(d.env, text, length);
    if (piece) {
      d.env->CallVoidMethod(d.collector, cached().collector_piece, piece);
      d.env->DeleteLocalRef(piece);
    }
    if (d.env->ExceptionCheck()) {
      d.failed = true;
      return 0;
    }
  }
  return !d.session->cancel.load(std::memory_order_relaxed);
}

// Returns the text a call handed out, or throws.
jstring text_result(JNIEnv* env, sprig_status status, const char* text, size_t length) {
  if (status != SPRIG_OK) {
    throw_status(env, status);
    return nullptr;
  }
  return to_java(env, text, length);
}

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_org_sprig_Native_chatCreate(JNIEnv* env, jclass, jlong session, jfloatArray sampling,
                                                         jintArray counts, jlong seed) {
  JniSession* s = from_handle<JniSession>(session);
  if (!set_sampler(env, s->session, sampling, counts, seed)) return 0;
  sprig_chat* chat = nullptr;
  if (sprig_status status = sprig_chat_create(s->session, &chat); status != SPRIG_OK) {
    throw_status(env, status);
    return 0;
  }
  return to_handle(chat);
}

JNIEXPORT void JNICALL Java_org_sprig_Native_chatDestroy(JNIEnv*, jclass, jlong chat) {
  sprig_chat_destroy(chat_of(chat));
}

JNIEXPORT void JNICALL Java_org_sprig_Native_chatSetMessagesJson(JNIEnv* env, jclass, jlong chat, jstring json) {
  if (null_argument(env, json, "json")) return;
  std::string utf8;
  if (!to_utf8(env, json, utf8)) return;
  if (sprig_status s = sprig_chat_set_messages_json(chat_of(chat), utf8.data(), utf8.size()); s != SPRIG_OK)
    throw_status(env, s);
}

JNIEXPORT jstring JNICALL Java_org_sprig_Native_chatMessagesJson(JNIEnv* env, jclass, jlong chat) {
  const char* json = nullptr;
  size_t length = 0;
  const sprig_status status = sprig_chat_messages_json(chat_of(chat), &json, &length);
  return text_result(env, status, json, length);
}

JNIEXPORT jstring JNICALL Java_org_sprig_Native_chatPrompt(JNIEnv* env, jclass, jlong chat) {
  const char* text = nullptr;
  size_t length = 0;
  const sprig_status status = sprig_chat_render_prompt(chat_of(chat), &text, &length);
  return text_result(env, status, text, length);
}

JNIEXPORT void JNICALL Java_org_sprig_Native_chatReset(JNIEnv* env, jclass, jlong chat) {
  if (sprig_status s = sprig_chat_reset(chat_of(chat)); s != SPRIG_OK) throw_status(env, s);
}

// stats: prefilled tokens, generated tokens, dropped messages, stop reason.
JNIEXPORT void JNICALL Java_org_sprig_Native_chatTurn(JNIEnv* env, jclass, jlong chat, jlong session, jstring user,
                                                      jint max_tokens, jobject collector, jintArray stats) {
  JniSession* s = from_handle<JniSession>(session);
  if (null_argument(env, user, "userText") || null_argument(env, collector, "collector") ||
      null_argument(env, stats, "stats"))
    return;
  if (max_tokens < 0) {
    throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "maxTokens must not be negative");
    return;
  }
  size_t length = 0;
  if (!to_utf8(env, user, s->text, s->text_capacity, &length)) return;
  s->cancel.store(false, std::memory_order_relaxed);
  Delivery delivery{env, collector, s};
  sprig_chat_stats result{};
  const sprig_status status =
      sprig_chat_turn(chat_of(chat), s->text, length, uint32_t(max_tokens), on_token, &delivery, &result);
  if (delivery.failed || env->ExceptionCheck()) return;
  if (status != SPRIG_OK) {
    throw_status(env, status);
    return;
  }
  const jint numbers[] = {jint(result.prefilled_tokens), jint(result.generated_tokens), jint(result.dropped_messages),
                          jint(result.stop)};
  if (env->GetArrayLength(stats) >= 4) env->SetIntArrayRegion(stats, 0, 4, numbers);
}

JNIEXPORT void JNICALL Java_org_sprig_Native_chatSave(JNIEnv* env, jclass, jlong chat, jstring path) {
  if (null_argument(env, path, "path")) return;
  std::string utf8;
  if (!to_path(env, path, utf8)) return;
  if (sprig_status s = sprig_chat_save_session(chat_of(chat), utf8.c_str()); s != SPRIG_OK) throw_status(env, s);
}

JNIEXPORT void JNICALL Java_org_sprig_Native_chatLoad(JNIEnv* env, jclass, jlong chat, jstring path) {
  if (null_argument(env, path, "path")) return;
  std::string utf8;
  if (!to_path(env, path, utf8)) return;
  if (sprig_status s = sprig_chat_load_session(chat_of(chat), utf8.c_str()); s != SPRIG_OK) throw_status(env, s);
}

}  // extern "C"
