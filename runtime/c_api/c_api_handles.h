// What the C API's other source files need from c_api.cpp: the C++ objects behind a model handle
// and the thread-local error message. Private to the runtime.
#pragma once

#include <string>

#include "sprig/model.h"
#include "sprig/sprig.h"
#include "sprig/tokenizer.h"

namespace sprig::c_api {

const Model& model_of(const sprig_model* model);
const Tokenizer& tokenizer_of(const sprig_model* model);
// Records `message` as sprig_last_error() and returns `status`.
sprig_status fail(sprig_status status, const std::string& message);

}  // namespace sprig::c_api
