// Writing JSON strings from the command line tools (reading is sprig/chat_json.h's job).
#pragma once

#include <string>
#include <string_view>

namespace sprig::cli {

// `text` as a quoted JSON string: quotes, backslashes and control characters escaped, bytes that
// are not valid UTF-8 replaced by U+FFFD so the output always parses.
std::string json_string(std::string_view text);

}  // namespace sprig::cli
