// Reads the sampling arrays of jni_sampler.h and hands them to sprig_set_sampler, whose range
// checks (and messages) are the C API's own, so Java and C reject the same values.
#include "jni_sampler.h"

#include "jni_support.h"

namespace sprig::jni {

bool set_sampler(JNIEnv* env, sprig_session* session, jfloatArray floats, jintArray ints, jlong seed) {
  if (null_argument(env, floats, "sampling values") || null_argument(env, ints, "sampling counts")) return false;
  if (env->GetArrayLength(floats) != kSamplerFloats || env->GetArrayLength(ints) != kSamplerInts) {
    throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "sampling options: 6 floats and 2 ints expected");
    return false;
  }
  jfloat f[kSamplerFloats];
  jint n[kSamplerInts];
  env->GetFloatArrayRegion(floats, 0, kSamplerFloats, f);
  env->GetIntArrayRegion(ints, 0, kSamplerInts, n);
  if (n[0] < 0 || n[1] < 0) {
    throw_sprig(env, SPRIG_ERROR_INVALID_ARGUMENT, "topK and repeatLastN must not be negative");
    return false;
  }
  sprig_sampler_options o{};
  o.temperature = f[0];
  o.top_p = f[1];
  o.min_p = f[2];
  o.repeat_penalty = f[3];
  o.presence_penalty = f[4];
  o.frequency_penalty = f[5];
  o.top_k = uint32_t(n[0]);
  o.repeat_last_n = uint32_t(n[1]);
  o.seed = uint64_t(seed);
  if (sprig_status status = sprig_set_sampler(session, &o); status != SPRIG_OK) {
    throw_status(env, status);
    return false;
  }
  return true;
}

}  // namespace sprig::jni
