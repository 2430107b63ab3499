// The native side of an org.sprig.Session: one block of memory holding this struct, a buffer for
// prompt text and the C API session's arena, so a session is exactly one allocation of
// Session.bytesNeeded bytes and nothing after it allocates on the token path.
#pragma once

#include <atomic>
#include <cstddef>

#include "sprig/sprig.h"

namespace sprig::jni {

struct JniSession {
  sprig_session* session = nullptr;
  std::atomic<bool> cancel{false};  // set by Session.cancel() on any thread, read after each token
  char* text = nullptr;             // the UTF-8 of a prompt, max_text_bytes long
  size_t text_capacity = 0;
  int add_bos = 0;
};

}  // namespace sprig::jni
