// org.sprig.Native's model calls: open (a file, or a direct ByteBuffer the Java Model keeps
// alive), details, tokenizing and token text. The Java side guarantees a handle is live and not
// being closed; these functions check every argument that comes from Java.
#include <vector>

#include "jni_support.h"

using namespace sprig::jni;

namespace {

sprig_model* model_of(jlong handle) { return from_handle<sprig_model>(handle); }

}  // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_org_sprig_Native_modelOpen(JNIEnv* env, jclass, jstring path) {
  if (null_argument(env, path, "path")) return 0;
  std::string utf8;
  if (!to_path(env, path, utf8)) return 0;
  sprig_model* model = nullptr;
  if (sprig_status s = sprig_model_open(utf8.c_str(), &model); s != SPRIG_OK) {
    throw_status(env, s);
    return 0;
  }
  return to_handle(model);
}

JNIEXPORT jlong JNICALL Java_org_sprig_Native_modelFromBuffer(JNIEnv* env, jclass, jobject buffer) {
  if (null_argument(env, buffer, "buffer")) return 0;
  void* data = env->GetDirectBufferAddress(buffer);
  const jlong size = env->GetDirectBufferCapacity(buffer);
  if (!data || size < 0) {
    throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT,
                "Model.fromBuffer needs a direct ByteBuffer (ByteBuffer.allocateDirect, or a mapped file)");
    return 0;
  }
  sprig_model* model = nullptr;
  if (sprig_status s = sprig_model_from_buffer(data, size_t(size), &model); s != SPRIG_OK) {
    throw_status(env, s);
    return 0;
  }
  return to_handle(model);
}

JNIEXPORT void JNICALL Java_org_sprig_Native_modelClose(JNIEnv*, jclass, jlong handle) {
  sprig_model_close(model_of(handle));
}

// vocab, max context, bos, eos, add_bos, file bytes, weight bytes, parameters, layers, dim,
// tokenizer-only, byte-level, has a chat template.
JNIEXPORT jlongArray JNICALL Java_org_sprig_Native_modelNumbers(JNIEnv* env, jclass, jlong handle) {
  sprig_model_info info;
  sprig_model_get_info(model_of(handle), &info);
  sprig_model_details details;
  sprig_model_get_details(model_of(handle), &details);
  const jlong numbers[] = {jlong(info.vocab_size), jlong(info.max_context),   jlong(info.bos_id),
                           jlong(info.eos_id),     jlong(info.add_bos),       jlong(info.file_bytes),
                           jlong(info.weight_bytes), jlong(details.parameters), jlong(details.layers),
                           jlong(details.dim),     jlong(details.tokenizer_only), jlong(details.byte_level),
                           jlong(details.chat_template != nullptr)};
  const jsize n = jsize(sizeof(numbers) / sizeof(numbers[0]));
  jlongArray array = env->NewLongArray(n);
  if (array) env->SetLongArrayRegion(array, 0, n, numbers);
  return array;
}

JNIEXPORT jstring JNICALL Java_org_sprig_Native_modelArchitecture(JNIEnv* env, jclass, jlong handle) {
  sprig_model_details details;
  sprig_model_get_details(model_of(handle), &details);
  return to_java(env, details.architecture, std::char_traits<char>::length(details.architecture));
}

JNIEXPORT jstring JNICALL Java_org_sprig_Native_modelChatTemplate(JNIEnv* env, jclass, jlong handle) {
  sprig_model_details details;
  sprig_model_get_details(model_of(handle), &details);
  if (!details.chat_template) return nullptr;
  return to_java(env, details.chat_template, std::char_traits<char>::length(details.chat_template));
}

JNIEXPORT jintArray JNICALL Java_org_sprig_Native_modelTokenize(JNIEnv* env, jclass, jlong handle, jstring text,
                                                                jboolean add_bos, jboolean special) {
  if (null_argument(env, text, "text")) return nullptr;
  std::string utf8;
  if (!to_utf8(env, text, utf8)) return nullptr;
  std::vector<int32_t> ids(utf8.size() + 4);  // nearly always enough; else the call says how many
  size_t count = 0;
  sprig_status s = sprig_model_tokenize(model_of(handle), utf8.data(), utf8.size(), add_bos, special, ids.data(),
                                        ids.size(), &count);
  if (s == SPRIG_ERROR_TEXT_TOO_LONG && count > ids.size()) {
    ids.resize(count);
    s = sprig_model_tokenize(model_of(handle), utf8.data(), utf8.size(), add_bos, special, ids.data(), ids.size(),
                             &count);
  }
  if (s != SPRIG_OK) {
    throw_status(env, s);
    return nullptr;
  }
  jintArray array = env->NewIntArray(jsize(count));
  if (array) env->SetIntArrayRegion(array, 0, jsize(count), reinterpret_cast<const jint*>(ids.data()));
  return array;
}

JNIEXPORT jbyteArray JNICALL Java_org_sprig_Native_modelTokenBytes(JNIEnv* env, jclass, jlong handle, jint token) {
  const char* bytes = nullptr;
  size_t length = 0;
  if (sprig_status s = sprig_model_token_bytes(model_of(handle), token, &bytes, &length); s != SPRIG_OK) {
    throw_status(env, s);
    return nullptr;
  }
  jbyteArray array = env->NewByteArray(jsize(length));
  if (array) env->SetByteArrayRegion(array, 0, jsize(length), reinterpret_cast<const jbyte*>(bytes));
  return array;
}

JNIEXPORT jstring JNICALL Java_org_sprig_Native_modelTokenText(JNIEnv* env, jclass, jlong handle, jint token) {
  const char* bytes = nullptr;
  size_t length = 0;
  if (sprig_status s = sprig_model_token_bytes(model_of(handle), token, &bytes, &length); s != SPRIG_OK) {
    throw_status(env, s);
    return nullptr;
  }
  return to_java(env, bytes, length);
}

}  // extern "C"
