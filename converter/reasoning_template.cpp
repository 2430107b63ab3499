// A template's reasoning switch, read out of its Jinja text: Qwen3's and SmolLM3's enable_thinking
// (with thinking off the reply opens with an empty think span, the template's last literal that
// starts with "<think>"), and the SmolLM3 parts around it (the flags its system message may carry,
// earlier replies that open with the empty span, replies without leading newlines).
#include <algorithm>
#include <string_view>

#include "checkpoint.h"
#include "jinja_literal.h"

namespace sprig::convert {
namespace {

bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

}  // namespace

void read_reasoning_switch(const std::string& jinja, const std::string& source, ChatTemplateData& chat) {
  const std::string_view t = jinja;
  if (!contains(t, "enable_thinking")) return;
  const size_t single = t.rfind("'<think>"), dbl = t.rfind("\"<think>");
  const size_t at = single == std::string_view::npos ? dbl
                    : dbl == std::string_view::npos  ? single
                                                     : std::max(single, dbl);
  size_t end = 0;
  if (at == std::string_view::npos || !read_jinja_literal(t, at, chat.think_off_prefix, end) ||
      !contains(chat.think_off_prefix, "</think>"))
    throw ConvertError(source + ": the chat template has a reasoning switch (enable_thinking) but no empty "
                       "'<think>...</think>' text for thinking off was found in it");
  chat.think_off_by_default = contains(t, "set enable_thinking = false");
  // SmolLM3: "<|im_start|>assistant\n" + "<think>\n\n</think>\n" + content.lstrip("\n") in earlier replies.
  chat.think_off_history = contains(t, "\"<think>\\n\\n</think>\\n\" + content") ||
                           contains(t, "'<think>\\n\\n</think>\\n' + content");
  chat.reply_lstrip_newlines = contains(t, "content.lstrip(\"\\n\") + \"<|im_end|>");
  chat.system_think_flags = contains(t, "\"/no_think\" in system_message") && contains(t, "\"/think\" in system_message");
}

}  // namespace sprig::convert
