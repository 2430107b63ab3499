// A thinking model's reply holds its reasoning in a <think>...</think> span. `sprig chat` shows it
// dimmed on a terminal or hides it (--reasoning show|hide), and --json gives it apart from the
// answer as "reasoning_content".
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include <span>

#include "sprig/chat_format.h"
#include "sprig/chat_json.h"

namespace sprig::cli {

struct ReasoningSplit {
  bool has_reasoning = false;
  std::string_view reasoning;  // the span's text without the newlines around it
  std::string_view answer;     // what follows </think>, without the newlines that start it
};

// `reply` as generated; `opened`: the generation prompt already opened the span (DeepSeek-R1).
// A span that never closes is all reasoning.
ReasoningSplit split_reasoning(std::string_view reply, bool opened);

// Whether the template's generation prompt ends inside a <think> span.
bool prompt_opens_reasoning(const ChatFormatter& formatter);

// Streams reply text to `out`, the reasoning span dimmed (when `dim`) or left out (`show` false).
// Tags split across tokens are held back until they are whole.
class ReasoningPrinter {
 public:
  ReasoningPrinter(std::FILE* out, bool show, bool dim) : out_(out), show_(show), dim_(dim) {}
  void begin(bool opened);  // a new reply; `opened` as for split_reasoning
  void write(std::string_view text);
  void end();  // flushes what was held back and resets the colour

 private:
  void emit(std::string_view text);
  std::FILE* out_;
  bool show_, dim_, inside_ = false;
  std::string held_;  // a possible beginning of "<think>" or "</think>"
};

}  // namespace sprig::cli

namespace sprig::cli {

// The conversation as role/content JSON (as format_chat_json writes it), with the last message,
// when it is a reply holding reasoning, written as its answer plus "reasoning_content".
// parse_chat_json reads it back, the reasoning inside the text again.
std::string conversation_json(std::span<const StoredMessage> messages, bool opened);

}  // namespace sprig::cli
