// JNI access to the allocation counter (tests/support/allocation_counter.cpp) for
// org.sprig.test.NativeAllocations. The counter's library is preloaded into the JVM, so its
// malloc and operator new are the whole process's; it counts the calling thread only.
#include <jni.h>

#include <optional>

#include "allocation_counter.h"

namespace {

std::optional<sprig::test::AllocationCounter> counter;  // no heap: lives in this library
jlong counts[3];

}  // namespace

extern "C" {

JNIEXPORT void JNICALL Java_org_sprig_test_NativeAllocations_start(JNIEnv*, jclass) { counter.emplace(); }

JNIEXPORT void JNICALL Java_org_sprig_test_NativeAllocations_stop(JNIEnv*, jclass) {
  if (!counter) return;
  counts[0] = jlong(counter->allocations());
  counts[1] = jlong(counter->frees());
  counts[2] = jlong(counter->bytes());
  counter.reset();
}

// 0: allocations, 1: frees, 2: bytes, between the last start and stop.
JNIEXPORT jlong JNICALL Java_org_sprig_test_NativeAllocations_count(JNIEnv*, jclass, jint which) {
  return which >= 0 && which < 3 ? counts[which] : -1;
}

}  // extern "C"
