// The role/content conversation format, [{"role": "system", "content": "..."}, ...], read and
// written without a JSON library (the device binary carries none). The reader is strict: exactly
// an array of objects with the string members "role" and "content", valid UTF-8, nothing after;
// anything else is an error naming the line and column.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sprig/chat_format.h"
#include "sprig/status.h"

namespace sprig {

struct StoredMessage {
  std::string role;
  std::string content;
};

Result<std::vector<StoredMessage>> parse_chat_json(std::string_view text);
// One message per line, UTF-8 kept as is, control characters escaped.
std::string format_chat_json(std::span<const StoredMessage> messages);
// Typed text as a conversation may hold it: bytes that do not form a UTF-8 character, and NUL,
// become U+FFFD, so format_chat_json's output of it always reads back.
void assign_typed_text(std::string& out, std::string_view text);
// Views of stored messages, for ChatFormatter.
std::vector<ChatMessage> chat_messages(std::span<const StoredMessage> messages);

}  // namespace sprig
