// What the C API's other source files need from c_api.cpp: the C++ objects behind a model handle
// and the thread-local error message. Private to the runtime.
#pragma once

#include <string>

#include "sprig/model.h"
#include "sprig/session.h"
#include "sprig/sprig.h"
#include "sprig/tokenizer.h"

namespace sprig::c_api {

const Model& model_of(const sprig_model* model);
const Tokenizer& tokenizer_of(const sprig_model* model);
// Records `message` as sprig_last_error() and returns `status`.
sprig_status fail(sprig_status status, const std::string& message);
// The runtime session behind a handle, and restarting its detokenizer after its tokens were
// replaced other than by feeding them (`previous`: the last token now in the context, or -1).
Session& session_of(sprig_session* session);
const Session& session_of(const sprig_session* session);
void restart_detokenizer(sprig_session* session, int32_t previous);

}  // namespace sprig::c_api
