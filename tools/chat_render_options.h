// How `sprig chat` renders the template's variable parts: --date pins the date the dated templates
// write (Llama 3.1+, SmolLM3, Granite; default: the device's date); --think on|off sets the
// template's reasoning switch (Qwen3, SmolLM3; default: the template's).
#pragma once

#include "arguments.h"
#include "sprig/chat_format.h"

namespace sprig::cli {

// Applies --date YYYY-MM-DD and --think on|off to the formatter; a malformed value, or --think
// for a template without a switch, is a UsageError naming it.
void apply_chat_render_options(const Arguments& args, ChatFormatter& formatter);

}  // namespace sprig::cli
