// sprig chat --json: the reply's reasoning apart from its answer (tools/reasoning_display.h).
#include "json_text.h"
#include "reasoning_display.h"

namespace sprig::cli {

std::string conversation_json(std::span<const StoredMessage> messages, bool opened) {
  if (messages.empty() || messages.back().role != "assistant") return format_chat_json(messages);
  const ReasoningSplit split = split_reasoning(messages.back().content, opened);
  if (!split.has_reasoning) return format_chat_json(messages);
  // The layout of format_chat_json: one message per line.
  std::string out = "[";
  for (size_t i = 0; i < messages.size(); ++i) {
    const bool reply = i + 1 == messages.size();
    out.append(i ? ",\n  " : "\n  ").append("{\"role\": ").append(json_string(messages[i].role));
    out.append(", \"content\": ").append(json_string(reply ? split.answer : std::string_view(messages[i].content)));
    if (reply) out.append(", \"reasoning_content\": ").append(json_string(split.reasoning));
    out.append("}");
  }
  out.append("\n]\n");
  return out;
}

}  // namespace sprig::cli
