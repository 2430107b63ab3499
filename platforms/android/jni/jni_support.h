// What every JNI entry point shares: throwing org.sprig.SprigException, and strings in both
// directions through utf_convert.h (never JNI's modified UTF-8). The conversions work in stack
// buffers, so text crossing JNI on the token path allocates no native memory.
#pragma once

#include <jni.h>

#include <cstddef>
#include <string>

#include "sprig/sprig.h"

namespace sprig::jni {

// Codes beyond the C API's own (SprigException.CLOSED and BUSY are thrown from Java).
constexpr int kNullArgument = SPRIG_ERROR_INVALID_ARGUMENT;

// Classes and methods looked up once in JNI_OnLoad.
struct Cached {
  jclass exception;           // org.sprig.SprigException
  jmethodID exception_init;   // (int, String)
  jmethodID collector_piece;  // org.sprig.TextCollector.piece(String)
};
const Cached& cached();

// Throws SprigException(code, message); message is UTF-8.
void throw_sprig(JNIEnv* env, int code, const char* message);
// Throws SprigException for a failed C API call, with sprig_last_error().
void throw_status(JNIEnv* env, sprig_status status);
// Throws INVALID_ARGUMENT "<what> must not be null" and returns true when `object` is null.
bool null_argument(JNIEnv* env, jobject object, const char* what);

// A Java string for UTF-8 bytes (malformed bytes become U+FFFD); nullptr with an exception pending.
jstring to_java(JNIEnv* env, const char* text, size_t length);
// The UTF-8 of `s` into out[0, capacity); false with TEXT_TOO_LONG pending when it does not fit.
bool to_utf8(JNIEnv* env, jstring s, char* out, size_t capacity, size_t* length);
// The UTF-8 of `s` into a std::string (setup calls, where allocating is fine).
bool to_utf8(JNIEnv* env, jstring s, std::string& out);
// A file path: as to_utf8, and a NUL inside (which would cut the path short) is INVALID_ARGUMENT.
bool to_path(JNIEnv* env, jstring s, std::string& out);

template <typename T>
T* from_handle(jlong handle) {
  return reinterpret_cast<T*>(static_cast<intptr_t>(handle));
}
template <typename T>
jlong to_handle(T* pointer) {
  return static_cast<jlong>(reinterpret_cast<intptr_t>(pointer));
}

}  // namespace sprig::jni
