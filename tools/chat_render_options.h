// How `sprig chat` renders the template's variable parts: --date pins the date the dated templates
// write (Llama 3.1+, Granite; default: the device's date).
#pragma once

#include "arguments.h"
#include "sprig/chat_format.h"

namespace sprig::cli {

// Applies --date YYYY-MM-DD to the formatter; a malformed date is a UsageError naming it.
void apply_chat_render_options(const Arguments& args, ChatFormatter& formatter);

}  // namespace sprig::cli
