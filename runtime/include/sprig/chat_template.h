// What a model file says about its chat template: which of the runtime's renderings it is, and the
// tokens that end a reply. The renderer is sprig/chat_format.h.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sprig {

// The chat template kinds the runtime renders (schemas/model.fbs ChatTemplateKind).
enum class ChatTemplateKind : uint8_t { ChatMl = 0, Llama2 = 1, Llama3 = 2, Phi3 = 3, Gemma = 4, Zephyr = 5 };
constexpr ChatTemplateKind kChatTemplateKinds[] = {ChatTemplateKind::ChatMl, ChatTemplateKind::Llama2,
                                                   ChatTemplateKind::Llama3, ChatTemplateKind::Phi3,
                                                   ChatTemplateKind::Gemma,  ChatTemplateKind::Zephyr};
// "chatml", "llama2", "llama3", "phi3", "gemma", "zephyr": the names --chat-template takes.
const char* chat_template_name(ChatTemplateKind kind);

struct ChatTemplate {
  bool present = false;  // false for base models
  ChatTemplateKind kind = ChatTemplateKind::ChatMl;
  bool has_default_system = false;
  std::string_view default_system;  // written when a conversation has no system message
  bool bos_in_template = false;     // the template writes BOS's text at the start
  std::vector<int32_t> stop_ids;    // tokens that end an assistant reply
  std::string_view source;          // the Jinja text it was recognised from
};

}  // namespace sprig
