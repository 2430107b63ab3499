// Text the commands read from a file or stdin (-f FILE, "-" for stdin), bounded and checked.
#pragma once

#include <string>

#include "sprig/status.h"

namespace sprig::cli {

// The most a prompt or text file may hold.
inline constexpr size_t kMaxTextFileBytes = size_t(256) << 20;

// The whole file ("-": stdin); a folder, a missing file or one over kMaxTextFileBytes is an
// error naming it.
Result<std::string> read_text_input(const std::string& path);

// Whether `text` is valid UTF-8.
bool is_utf8(std::string_view text);

}  // namespace sprig::cli
