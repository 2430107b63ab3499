// What a model file says about its chat template: which of the runtime's renderings it is, and the
// tokens that end a reply. The renderer is sprig/chat_format.h.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sprig {

// The chat template kinds the runtime renders (schemas/model.fbs ChatTemplateKind).
enum class ChatTemplateKind : uint8_t {
  ChatMl = 0, Llama2 = 1, Llama3 = 2, Phi3 = 3, Gemma = 4, Zephyr = 5, Granite = 6, Mistral = 7, DeepSeek = 8
};
constexpr ChatTemplateKind kChatTemplateKinds[] = {ChatTemplateKind::ChatMl, ChatTemplateKind::Llama2,
                                                   ChatTemplateKind::Llama3, ChatTemplateKind::Phi3,
                                                   ChatTemplateKind::Gemma,  ChatTemplateKind::Zephyr,
                                                   ChatTemplateKind::Granite, ChatTemplateKind::Mistral,
                                                   ChatTemplateKind::DeepSeek};
// "chatml", "llama2", "llama3", "phi3", "gemma", "zephyr", "granite", "mistral", "deepseek": the
// names --chat-template takes.
const char* chat_template_name(ChatTemplateKind kind);

struct ChatTemplate {
  bool present = false;  // false for base models
  ChatTemplateKind kind = ChatTemplateKind::ChatMl;
  bool has_default_system = false;
  std::string_view default_system;  // written when a conversation has no system message
  bool bos_in_template = false;     // the template writes BOS's text at the start
  std::vector<int32_t> stop_ids;    // tokens that end an assistant reply
  std::string_view source;          // the Jinja text it was recognised from
  bool skip_empty_system = false;   // an empty system message writes nothing
  bool drop_history_reasoning = false;  // earlier assistant turns lose their <think> span
  std::string_view system_preamble;  // starts every system message; the system turn is always written
  std::string_view date_format;      // how "{date}" in the preamble or default system is written
  bool compact_turns = false;        // no newline after role and end markers
  bool drop_all_reasoning = false;   // every assistant message loses its <think> span
  std::string_view think_off_prefix;  // a reasoning switch: what a reply opens with when off
  bool think_off_by_default = false;
  bool think_off_history = false;     // earlier replies open with think_off_prefix too when off
  bool system_think_flags = false;    // "/think", "/no_think" in the system message set the switch
  bool has_default_system_no_think = false;
  std::string_view default_system_no_think;
  bool reply_lstrip_newlines = false;
  bool has_system_close = false;
  std::string_view system_close;     // ends the system turn instead of the kind's end marker
};

}  // namespace sprig
