// org.sprig.Native's session save/load over sprig_session_save / sprig_session_load. The Java
// Session holds its guard for the call; the path is checked here (a NUL inside is refused).
#include <string>

#include "jni_session.h"
#include "jni_support.h"

using namespace sprig::jni;

extern "C" {

JNIEXPORT void JNICALL Java_org_sprig_Native_sessionSave(JNIEnv* env, jclass, jlong handle, jstring path) {
  if (null_argument(env, path, "path")) return;
  std::string utf8;
  if (!to_path(env, path, utf8)) return;
  const JniSession* s = from_handle<JniSession>(handle);
  if (sprig_status status = sprig_session_save(s->session, utf8.c_str()); status != SPRIG_OK) throw_status(env, status);
}

JNIEXPORT void JNICALL Java_org_sprig_Native_sessionLoad(JNIEnv* env, jclass, jlong handle, jstring path) {
  if (null_argument(env, path, "path")) return;
  std::string utf8;
  if (!to_path(env, path, utf8)) return;
  JniSession* s = from_handle<JniSession>(handle);
  if (sprig_status status = sprig_session_load(s->session, utf8.c_str()); status != SPRIG_OK) throw_status(env, status);
}

}  // extern "C"
