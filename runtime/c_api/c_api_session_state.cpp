// sprig_session_save / sprig_session_load: a plain session's KV cache and tokens through the
// runtime's Session::save_state / load_state (the file format is session_state.cpp's). A plain
// session's file carries no extra data; a chat's carries its messages, so a chat's file is refused
// here (sprig_chat_load_session reads it) rather than silently losing the conversation.
#include <exception>
#include <string>

#include "c_api/c_api_handles.h"
#include "sprig/sprig.h"

using sprig::c_api::fail;
using sprig::c_api::restart_detokenizer;
using sprig::c_api::session_of;

extern "C" {

sprig_status sprig_session_save(const sprig_session* session, const char* path) {
  if (!session || !path) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_session_save: session and path are required");
  try {
    const sprig::Session& s = session_of(session);
    if (sprig::Status st = s.save_state(path, s.tokens()); !st) return fail(SPRIG_ERROR_INVALID_ARGUMENT, st.message());
  } catch (const std::exception& e) {
    return fail(SPRIG_ERROR_MEMORY, e.what());
  }
  return SPRIG_OK;
}

sprig_status sprig_session_load(sprig_session* session, const char* path) {
  if (!session || !path) return fail(SPRIG_ERROR_INVALID_ARGUMENT, "sprig_session_load: session and path are required");
  sprig::Session& s = session_of(session);
  restart_detokenizer(session, -1);
  try {
    std::string extra;
    auto tokens = s.load_state(path, extra);
    if (!tokens) return fail(SPRIG_ERROR_INVALID_ARGUMENT, tokens.error().message());
    if (!extra.empty()) {
      s.reset();
      return fail(SPRIG_ERROR_INVALID_ARGUMENT,
                  std::string(path) + ": a chat's session file (sprig_chat_load_session reads it)");
    }
    restart_detokenizer(session, tokens->empty() ? -1 : tokens->back());
  } catch (const std::exception& e) {
    s.reset();
    return fail(SPRIG_ERROR_MEMORY, e.what());
  }
  return SPRIG_OK;
}

}  // extern "C"
