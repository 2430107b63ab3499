// Recognises a model's Jinja chat template as one of the kinds the runtime renders by hand.
// Families are told apart by the markers only their templates write; the parts a family varies
// (a default system prompt, BOS written by the template) are read out of the template text.
#include <algorithm>
#include <string_view>

#include "checkpoint.h"
#include "jinja_literal.h"

namespace sprig::convert {
namespace {

bool contains(std::string_view text, std::string_view needle) { return text.find(needle) != std::string_view::npos; }

struct KindMarkers {
  ChatTemplateKind kind;
  // Pieces that end a reply; the first must be a token of the vocabulary unless it is empty.
  std::vector<const char*> stop_pieces;
  bool end_marker_required;
};

KindMarkers markers_of(ChatTemplateKind kind) {
  switch (kind) {
    case ChatTemplateKind::ChatMl: return {kind, {"<|im_end|>"}, true};
    case ChatTemplateKind::Llama2: return {kind, {}, false};
    case ChatTemplateKind::Llama3: return {kind, {"<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"}, true};
    case ChatTemplateKind::Phi3: return {kind, {"<|end|>", "<|endoftext|>"}, true};
    case ChatTemplateKind::Gemma: return {kind, {"<end_of_turn>"}, true};
    case ChatTemplateKind::Zephyr: return {kind, {}, false};
    case ChatTemplateKind::Granite: return {kind, {"<|end_of_text|>"}, true};
    case ChatTemplateKind::Mistral: return {kind, {}, false};
    case ChatTemplateKind::DeepSeek: return {kind, {}, false};
  }
  return {kind, {}, false};
}

// Which family wrote the template, or nothing. Order matters: Phi-3 and Zephyr share <|user|>.
bool detect_kind(std::string_view t, ChatTemplateKind& kind) {
  if (contains(t, "<|im_start|>") && contains(t, "<|im_end|>")) kind = ChatTemplateKind::ChatMl;
  else if (contains(t, "<|start_header_id|>") && contains(t, "<|eot_id|>")) kind = ChatTemplateKind::Llama3;
  else if (contains(t, "<start_of_turn>") && contains(t, "<end_of_turn>")) kind = ChatTemplateKind::Gemma;
  else if (contains(t, "<|start_of_role|>") && contains(t, "<|end_of_role|>")) kind = ChatTemplateKind::Granite;
  else if (contains(t, "<\xef\xbd\x9cUser\xef\xbd\x9c>") && contains(t, "<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>"))
    kind = ChatTemplateKind::DeepSeek;
  else if (contains(t, "[INST]") && contains(t, "<<SYS>>")) kind = ChatTemplateKind::Llama2;
  // Mistral v0.3's layout exactly: "[INST] " + content + "[/INST]", no space before the closing tag
  // (v0.1's "[INST] " + content + " [/INST]" would render differently).
  else if (contains(t, "\"[INST] \" + message[\"content\"] + \"[/INST]\"") ||
           contains(t, "'[INST] ' + message['content'] + '[/INST]'"))
    kind = ChatTemplateKind::Mistral;
  else if (contains(t, "<|user|>") && contains(t, "<|end|>")) kind = ChatTemplateKind::Phi3;
  // Phi-4-mini builds each role marker from the role's name.
  else if (contains(t, "'<|' + message['role'] + '|>'") && contains(t, "<|end|>")) kind = ChatTemplateKind::Phi3;
  else if (contains(t, "<|user|>") && contains(t, "<|assistant|>") && contains(t, "eos_token")) kind = ChatTemplateKind::Zephyr;
  else return false;
  return true;
}

// A ChatML template's built-in system prompt: a string literal '<|im_start|>system\n...<|im_end|>'
// whose middle is plain text (not `' + message['content'] + '`). Qwen2.5 and SmolLM2 have one.
bool find_default_system(std::string_view t, std::string& out) {
  static constexpr std::string_view kOpen = "<|im_start|>system";
  for (size_t at = t.find(kOpen); at != std::string_view::npos; at = t.find(kOpen, at + 1)) {
    size_t start = at + kOpen.size();
    if (t.substr(start, 2) == "\\n") start += 2;
    else if (t.substr(start, 1) == "\n") start += 1;
    else continue;
    const size_t end = t.find("<|im_end|>", start);
    if (end == std::string_view::npos) continue;
    const std::string_view middle = t.substr(start, end - start);
    if (middle.empty() || middle.find_first_of("'\"{}+") != std::string_view::npos) continue;
    out = jinja_unescape(middle);
    return true;
  }
  return false;
}

std::string known_kinds() {
  std::string names;
  for (ChatTemplateKind k : kChatTemplateKinds) names += std::string(names.empty() ? "" : ", ") + chat_template_name(k);
  return names;
}

}  // namespace

// The dated parts of a template (Llama 3.1+'s system header, Granite's default system prompt),
// read out of its text by dated_template.cpp; throws naming what it could not find.
void read_dated_parts(const std::string& jinja, const std::string& source, ChatTemplateData& chat);
// The reasoning switch (enable_thinking) and its parts, by reasoning_template.cpp.
void read_reasoning_switch(const std::string& jinja, const std::string& source, ChatTemplateData& chat);

ChatTemplateData recognise_chat_template(const TokenizerData& tokenizer, const std::string& forced_name,
                                         const std::string& source) {
  ChatTemplateData chat;
  const std::string& jinja = tokenizer.chat_template_source;
  if (jinja.empty() && forced_name.empty()) return chat;
  if (!forced_name.empty()) {
    bool found = false;
    for (ChatTemplateKind k : kChatTemplateKinds)
      if (forced_name == chat_template_name(k)) chat.kind = k, found = true;
    if (!found) throw ConvertError("--chat-template " + forced_name + " is not one of: " + known_kinds());
  } else if (!detect_kind(jinja, chat.kind)) {
    throw ConvertError(source + ": the chat template is not one sprig recognises (" + known_kinds() +
                       "); name the closest with --chat-template NAME. It begins: " + jinja.substr(0, 160));
  } else if ((chat.kind == ChatTemplateKind::Llama3 && contains(jinja, "Cutting Knowledge Date")) ||
             chat.kind == ChatTemplateKind::Granite ||
             (chat.kind == ChatTemplateKind::ChatMl && contains(jinja, "Reasoning Mode: ") && contains(jinja, "strftime_now"))) {
    read_dated_parts(jinja, source, chat);
  } else if (contains(jinja, "strftime_now")) {
    // A template that writes today's date (SmolLM3, Granite) has parts the kind does not render.
    throw ConvertError(source + ": the " + std::string(chat_template_name(chat.kind)) +
                       "-like chat template writes the date (strftime_now), which sprig does not render yet; "
                       "--chat-template " + chat_template_name(chat.kind) + " renders the plain form instead");
  }
  chat.present = true;
  chat.source = jinja;
  chat.bos_in_template = contains(jinja, "bos_token");
  if (chat.kind == ChatTemplateKind::ChatMl && chat.system_preamble.empty())
    chat.has_default_system = find_default_system(jinja, chat.default_system);
  if (chat.kind == ChatTemplateKind::ChatMl) read_reasoning_switch(jinja, source, chat);
  // Phi-3.5 tests `message['role'] == 'system' and message['content']`.
  chat.skip_empty_system = contains(jinja, "'system' and message['content']") ||
                           contains(jinja, "\"system\" and message[\"content\"]");
  // Qwen3 keeps only what follows the reasoning of replies before the last user message.
  chat.drop_history_reasoning = contains(jinja, "content.split('</think>')[-1].lstrip('\\n')");
  // DeepSeek-R1 distills keep only what follows the reasoning of every reply, newlines included.
  chat.drop_all_reasoning = contains(jinja, "content.split('</think>')[-1] %}");
  // Phi-4-mini writes the content right after the role marker, and nothing after <|end|>.
  chat.compact_turns = chat.kind == ChatTemplateKind::Phi3 && contains(jinja, "'|>' + message['content']");

  const KindMarkers markers = markers_of(chat.kind);
  auto find_token = [&](std::string_view piece) -> int32_t {
    for (size_t id = 0; id < tokenizer.pieces.size(); ++id)
      if (tokenizer.pieces[id] == piece &&
          (tokenizer.types[id] == TokenType::Control || tokenizer.types[id] == TokenType::UserDefined))
        return int32_t(id);
    return -1;
  };
  for (size_t i = 0; i < markers.stop_pieces.size(); ++i) {
    const int32_t id = find_token(markers.stop_pieces[i]);
    if (id < 0 && i == 0 && markers.end_marker_required)
      throw ConvertError(source + ": the " + chat_template_name(chat.kind) + " chat template needs the token " +
                         markers.stop_pieces[i] + ", which the vocabulary lacks (or holds as plain text)");
    if (id >= 0) chat.stop_ids.push_back(id);
  }
  if (tokenizer.eos_id >= 0 &&
      std::find(chat.stop_ids.begin(), chat.stop_ids.end(), tokenizer.eos_id) == chat.stop_ids.end())
    chat.stop_ids.push_back(tokenizer.eos_id);
  if (chat.stop_ids.empty())
    throw ConvertError(source + ": the chat template has no stop token (no end marker and no EOS in the vocabulary)");
  return chat;
}

}  // namespace sprig::convert
