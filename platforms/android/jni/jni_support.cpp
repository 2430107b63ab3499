#include "jni_support.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "utf_convert.h"

namespace sprig::jni {

namespace {

Cached cache{};
constexpr size_t kStackUnits = 512;  // UTF-16 units converted per step without the heap

}  // namespace

const Cached& cached() { return cache; }

void throw_sprig(JNIEnv* env, int code, const char* message) {
  if (env->ExceptionCheck()) return;  // the first problem is the one the caller sees
  jstring text = to_java(env, message, std::char_traits<char>::length(message));
  if (!text) return;
  auto exception = static_cast<jthrowable>(env->NewObject(cache.exception, cache.exception_init, jint(code), text));
  if (exception) env->Throw(exception);
}

void throw_status(JNIEnv* env, sprig_status status) { throw_sprig(env, int(status), sprig_last_error()); }

bool null_argument(JNIEnv* env, jobject object, const char* what) {
  if (object) return false;
  const std::string message = std::string(what) + " must not be null";
  throw_sprig(env, kNullArgument, message.c_str());
  return true;
}

jstring to_java(JNIEnv* env, const char* text, size_t length) {
  if (length > size_t(INT32_MAX)) {
    throw_sprig(env, SPRIG_ERROR_TEXT_TOO_LONG, "text too long for a Java string");
    return nullptr;
  }
  char16_t stack[kStackUnits];
  std::vector<char16_t> heap;
  char16_t* units = stack;
  if (length > kStackUnits) {
    heap.resize(length);
    units = heap.data();
  }
  const size_t n = utf8_to_utf16(text, length, units);
  return env->NewString(reinterpret_cast<const jchar*>(units), jsize(n));
}

namespace {

// Feeds `s` to `write(bytes, count)` in chunks; a surrogate pair split by a chunk stays whole.
template <typename Write>
bool convert_chunks(JNIEnv* env, jstring s, Write&& write) {
  const jsize total = env->GetStringLength(s);
  char16_t units[kStackUnits + 1];
  char bytes[3 * (kStackUnits + 1)];
  jsize at = 0;
  size_t carried = 0;  // a high surrogate left from the last chunk
  while (at < total) {
    const jsize n = std::min<jsize>(jsize(kStackUnits), total - at);
    env->GetStringRegion(s, at, n, reinterpret_cast<jchar*>(units + carried));
    at += n;
    size_t count = carried + size_t(n);
    carried = 0;
    if (at < total && units[count - 1] >= 0xD800 && units[count - 1] <= 0xDBFF) carried = 1;
    const size_t written = utf16_to_utf8(units, count - carried, bytes);
    if (!write(bytes, written)) return false;
    if (carried) units[0] = units[count - 1];
  }
  return true;
}

}  // namespace

bool to_utf8(JNIEnv* env, jstring s, char* out, size_t capacity, size_t* length) {
  size_t used = 0;
  const bool fits = convert_chunks(env, s, [&](const char* bytes, size_t n) {
    if (n > capacity - used) return false;
    std::char_traits<char>::copy(out + used, bytes, n);
    used += n;
    return true;
  });
  if (!fits) {
    const std::string message = "the text has more than the " + std::to_string(capacity) +
                                " UTF-8 bytes the session takes (SessionOptions.maxTextBytes)";
    throw_sprig(env, SPRIG_ERROR_TEXT_TOO_LONG, message.c_str());
    return false;
  }
  *length = used;
  return true;
}

bool to_utf8(JNIEnv* env, jstring s, std::string& out) {
  out.clear();
  return convert_chunks(env, s, [&](const char* bytes, size_t n) {
    out.append(bytes, n);
    return true;
  });
}

bool to_path(JNIEnv* env, jstring s, std::string& out) {
  if (!to_utf8(env, s, out)) return false;
  if (out.find('\0') != std::string::npos) {
    throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "the path contains a NUL character");
    return false;
  }
  return true;
}

}  // namespace sprig::jni

extern "C" JNIEXPORT jint JNI_OnLoad(JavaVM* vm, void*) {
  JNIEnv* env = nullptr;
  if (vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_6) != JNI_OK) return JNI_ERR;
  jclass exception = env->FindClass("org/sprig/SprigException");
  jclass collector = env->FindClass("org/sprig/TextCollector");
  if (!exception || !collector) return JNI_ERR;
  sprig::jni::cache.exception = static_cast<jclass>(env->NewGlobalRef(exception));
  sprig::jni::cache.exception_init = env->GetMethodID(exception, "<init>", "(ILjava/lang/String;)V");
  sprig::jni::cache.collector_piece = env->GetMethodID(collector, "piece", "(Ljava/lang/String;)V");
  if (!sprig::jni::cache.exception_init || !sprig::jni::cache.collector_piece) return JNI_ERR;
  return JNI_VERSION_1_6;
}
