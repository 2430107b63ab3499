// Sampling options as org.sprig.Native passes them (GenerateOptions and ChatOptions alike): the
// float fields in one array, the integer fields in another, the seed on its own.
#pragma once

#include <jni.h>

#include "sprig/sprig.h"

namespace sprig::jni {

// floats: temperature, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty
// ints:   topK, repeatLastN
constexpr jsize kSamplerFloats = 6;
constexpr jsize kSamplerInts = 2;

// Fills `out` and sets it on `session` (sprig_set_sampler checks the ranges); false with a
// SprigException pending when an array is missing or malformed or a value is out of range.
bool set_sampler(JNIEnv* env, sprig_session* session, jfloatArray floats, jintArray ints, jlong seed);

}  // namespace sprig::jni
