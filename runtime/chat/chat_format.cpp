// Each template kind as a sequence of segments: plain text, markers (the template's own control
// strings, tokens when the vocabulary has them), BOS and EOS. Text and tokens come from the same
// sequence, so what --print-prompt shows is what the model reads. The layouts follow the Jinja
// templates of the families (Hugging Face renders them with trim_blocks and lstrip_blocks).
#include "sprig/chat_format.h"

#include <algorithm>

namespace sprig {
namespace {

constexpr std::string_view kWhitespace = " \t\n\r\v\f";

// Jinja's trim and Python's str.strip, for ASCII whitespace.
std::string_view trim(std::string_view text) {
  const size_t start = text.find_first_not_of(kWhitespace);
  if (start == std::string_view::npos) return {};
  return text.substr(start, text.find_last_not_of(kWhitespace) - start + 1);
}

enum class Role { System, User, Assistant, Unknown };

Role role_of(std::string_view role) {
  if (role == "system") return Role::System;
  if (role == "user") return Role::User;
  if (role == "assistant") return Role::Assistant;
  return Role::Unknown;
}

// Phi-3 and Zephyr write the role as a marker of its own.
std::string_view role_marker(Role role) {
  switch (role) {
    case Role::System: return "<|system|>";
    case Role::User: return "<|user|>";
    case Role::Assistant: return "<|assistant|>";
    case Role::Unknown: break;
  }
  return {};
}

// What an earlier reply keeps when the template drops its reasoning: the text after the last
// "</think>", without the newlines that follow it (Qwen3's content.split('</think>')[-1].lstrip('\n'))
// or with them (DeepSeek-R1's content.split('</think>')[-1]).
std::string_view without_reasoning(std::string_view content, bool strip_newlines = true) {
  const size_t end = content.rfind("</think>");
  if (end == std::string_view::npos) return content;
  content.remove_prefix(end + 8);
  while (strip_newlines && !content.empty() && content.front() == '\n') content.remove_prefix(1);
  return content;
}

// Templates that fold the system message into the first turn after it (Mistral: into the last
// message, when that is the user's).
bool folds_system(ChatTemplateKind kind) {
  return kind == ChatTemplateKind::Llama2 || kind == ChatTemplateKind::Gemma || kind == ChatTemplateKind::Mistral;
}

// Templates that write no system message but the one they fold or move.
bool drops_other_system(ChatTemplateKind kind) {
  return kind == ChatTemplateKind::Llama2 || kind == ChatTemplateKind::Mistral || kind == ChatTemplateKind::DeepSeek;
}

constexpr std::string_view kDatePlaceholder = "{date}", kModePlaceholder = "{reasoning_mode}";
constexpr std::string_view kThinkFlag = "/think", kNoThinkFlag = "/no_think";

// Calls piece(text) for the parts of a system message SmolLM3 keeps: content.replace("/no_think",
// "").replace("/think", "").rstrip(), without building the string.
template <class Piece>
void for_each_unflagged(std::string_view content, Piece&& piece) {
  // The end of the kept text: the last character that is neither whitespace nor part of a flag.
  size_t kept_end = 0;
  for (size_t i = 0; i < content.size();) {
    if (content.substr(i, kNoThinkFlag.size()) == kNoThinkFlag) i += kNoThinkFlag.size();
    else if (content.substr(i, kThinkFlag.size()) == kThinkFlag) i += kThinkFlag.size();
    else if (kWhitespace.find(content[i]) != std::string_view::npos) ++i;
    else kept_end = ++i;
  }
  size_t run = 0;
  for (size_t i = 0; i < kept_end;) {
    const size_t flag = content.substr(i, kNoThinkFlag.size()) == kNoThinkFlag ? kNoThinkFlag.size()
                        : content.substr(i, kThinkFlag.size()) == kThinkFlag   ? kThinkFlag.size()
                                                                               : 0;
    if (flag == 0) {
      ++i;
      continue;
    }
    if (i > run) piece(content.substr(run, i - run));
    i += flag, run = i;
  }
  if (kept_end > run) piece(content.substr(run, kept_end - run));
}

}  // namespace

void ChatFormatter::Workspace::reserve(size_t text_bytes) {
  tokenizer.reserve(text_bytes);
  text.reserve(text_bytes);
}

ChatFormatter::ChatFormatter(const Model& model, const Tokenizer& tokenizer)
    : template_(model.chat_template()), tokenizer_(tokenizer) {
  const int32_t bos = tokenizer.bos_id(), eos = tokenizer.eos_id();
  if (bos >= 0) bos_text_ = tokenizer.piece(bos);
  if (eos >= 0) eos_text_ = tokenizer.piece(eos);
  set_date(today());
  thinking_ = !template_.think_off_by_default;
}

bool ChatFormatter::thinking_for(std::span<const ChatMessage> messages) const {
  if (!template_.system_think_flags || messages.empty() || role_of(messages[0].role) != Role::System) return thinking_;
  // The template's order: "/no_think" is looked for first (and "/think" is not inside it).
  if (messages[0].content.find(kNoThinkFlag) != std::string_view::npos) return false;
  if (messages[0].content.find(kThinkFlag) != std::string_view::npos) return true;
  return thinking_;
}

template <class Sink>
void ChatFormatter::emit_reasoning(std::string_view text, Sink&& sink) const {
  while (!text.empty()) {
    const size_t open = text.find("<think>"), close = text.find("</think>");
    const size_t at = std::min(open, close);
    if (at == std::string_view::npos) break;
    const size_t length = at == open ? 7 : 8;
    if (at > 0) sink(Segment{Part::Text, text.substr(0, at)});
    sink(Segment{Part::Marker, text.substr(at, length)});
    text.remove_prefix(at + length);
  }
  if (!text.empty()) sink(Segment{Part::Text, text});
}

template <class Sink>
void ChatFormatter::emit_metadata_system(std::span<const ChatMessage> messages, bool thinking, Sink&& sink) const {
  sink(Segment{Part::Marker, "<|im_start|>"}), sink(Segment{Part::Text, "system\n"});
  const std::string_view mode = thinking ? kThinkFlag : kNoThinkFlag;
  std::string_view preamble = template_.system_preamble;
  for (size_t at = preamble.find(kModePlaceholder); at != std::string_view::npos; at = preamble.find(kModePlaceholder)) {
    emit_dated(preamble.substr(0, at), sink), sink(Segment{Part::Text, mode});
    preamble.remove_prefix(at + kModePlaceholder.size());
  }
  emit_dated(preamble, sink);
  bool custom = false;
  if (!messages.empty() && role_of(messages[0].role) == Role::System) {
    auto piece = [&](std::string_view text) {
      custom = true;
      sink(Segment{Part::Text, text});
    };
    if (template_.system_think_flags) for_each_unflagged(messages[0].content, piece);
    else if (!messages[0].content.empty()) piece(messages[0].content);
  }
  if (!custom) sink(Segment{Part::Text, thinking || !template_.has_default_system_no_think ? template_.default_system
                                                                                           : template_.default_system_no_think});
  sink(Segment{Part::Text, template_.system_close});
}

void ChatFormatter::set_date(const ChatDate& date) { date_text_ = format_chat_date(template_.date_format, date); }

template <class Sink>
void ChatFormatter::emit_dated(std::string_view text, Sink&& sink) const {
  for (size_t at = text.find(kDatePlaceholder); at != std::string_view::npos; at = text.find(kDatePlaceholder)) {
    sink(Segment{Part::Text, text.substr(0, at)}), sink(Segment{Part::Text, date_text_});
    text.remove_prefix(at + kDatePlaceholder.size());
  }
  sink(Segment{Part::Text, text});
}

bool ChatFormatter::is_stop(int32_t token) const {
  return std::find(template_.stop_ids.begin(), template_.stop_ids.end(), token) != template_.stop_ids.end();
}

int32_t ChatFormatter::marker_token(std::string_view marker) const {
  const int32_t id = tokenizer_.find(marker);
  if (id < 0) return -1;
  const TokenType type = tokenizer_.type(id);
  return type == TokenType::Control || type == TokenType::UserDefined ? id : -1;
}

template <class Sink>
void ChatFormatter::emit_open(const ChatMessage& message, bool first_in_conversation, std::string_view system_prefix,
                              Sink&& sink, bool thinking) const {
  const Role role = role_of(message.role);
  auto text = [&](std::string_view t) { sink(Segment{Part::Text, t}); };
  auto marker = [&](std::string_view t) { sink(Segment{Part::Marker, t}); };
  switch (template_.kind) {
    case ChatTemplateKind::ChatMl: {
      marker("<|im_start|>"), text(message.role), text("\n");
      std::string_view content = message.content;
      if (role == Role::Assistant && !thinking && template_.think_off_history) emit_reasoning(template_.think_off_prefix, sink);
      if (role == Role::Assistant && template_.reply_lstrip_newlines)
        while (!content.empty() && content.front() == '\n') content.remove_prefix(1);
      text(content);
      return;
    }
    case ChatTemplateKind::Llama2:
      if (role == Role::User) {
        sink(Segment{Part::Bos, {}});
        text("[INST] ");
        if (!system_prefix.empty()) {
          text("<<SYS>>\n"), text(system_prefix), text("\n<</SYS>>\n\n");
          text(message.content.substr(0, message.content.find_last_not_of(kWhitespace) + 1));
        } else {
          text(trim(message.content));
        }
        text(" [/INST]");
      } else if (role == Role::Assistant) {
        text(" "), text(trim(message.content));
      }
      return;
    case ChatTemplateKind::Llama3:
      if (first_in_conversation) sink(Segment{Part::Bos, {}});
      marker("<|start_header_id|>"), text(message.role), marker("<|end_header_id|>"), text("\n\n");
      if (role == Role::System) emit_dated(template_.system_preamble, sink);
      text(trim(message.content));
      return;
    case ChatTemplateKind::Phi3:
    case ChatTemplateKind::Zephyr:
      if (role == Role::Unknown) return;
      marker(role_marker(role));
      if (!template_.compact_turns) text("\n");
      text(message.content);
      return;
    case ChatTemplateKind::Granite:
      marker("<|start_of_role|>"), text(message.role), marker("<|end_of_role|>"), text(message.content);
      return;
    case ChatTemplateKind::Mistral:
      if (role == Role::User) {
        marker("[INST]"), text(" ");
        if (system_prefix.data() != nullptr) text(system_prefix), text("\n\n");
        text(message.content), marker("[/INST]");
      } else if (role == Role::Assistant) {
        text(" "), text(trim(message.content));
      }
      return;
    case ChatTemplateKind::DeepSeek:
      if (role == Role::User) marker("<\xef\xbd\x9cUser\xef\xbd\x9c>"), text(message.content);
      else if (role == Role::Assistant) marker("<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>"), text(message.content);
      return;
    case ChatTemplateKind::Gemma:
      marker("<start_of_turn>"), text(role == Role::Assistant ? "model" : message.role), text("\n");
      // Gemma 3 writes the system text and a blank line even when the text is empty.
      if (system_prefix.data() != nullptr) text(system_prefix), text("\n\n");
      text(trim(message.content));
      return;
  }
}

template <class Sink>
void ChatFormatter::emit_close(const ChatMessage& message, Sink&& sink) const {
  const Role role = role_of(message.role);
  switch (template_.kind) {
    case ChatTemplateKind::ChatMl: sink(Segment{Part::Marker, "<|im_end|>"}), sink(Segment{Part::Text, "\n"}); return;
    case ChatTemplateKind::Llama2:
      if (role == Role::Assistant) sink(Segment{Part::Text, " "}), sink(Segment{Part::Eos, {}});
      return;
    case ChatTemplateKind::Llama3: sink(Segment{Part::Marker, "<|eot_id|>"}); return;
    case ChatTemplateKind::Phi3:
      if (role == Role::Unknown) return;
      sink(Segment{Part::Marker, "<|end|>"});
      if (!template_.compact_turns) sink(Segment{Part::Text, "\n"});
      return;
    case ChatTemplateKind::Zephyr:
      if (role != Role::Unknown) sink(Segment{Part::Eos, {}}), sink(Segment{Part::Text, "\n"});
      return;
    case ChatTemplateKind::Gemma: sink(Segment{Part::Marker, "<end_of_turn>"}), sink(Segment{Part::Text, "\n"}); return;
    case ChatTemplateKind::Granite: sink(Segment{Part::Marker, "<|end_of_text|>"}), sink(Segment{Part::Text, "\n"}); return;
    case ChatTemplateKind::Mistral:
    case ChatTemplateKind::DeepSeek:
      if (role == Role::Assistant) sink(Segment{Part::Eos, {}});
      return;
  }
}

template <class Sink>
Status ChatFormatter::emit(std::span<const ChatMessage> messages, size_t first, bool add_generation_prompt,
                           bool previous_closed, Sink&& sink) const {
  if (!template_.present) return Error("the model has no chat template");
  if (first > messages.size()) return Error("the conversation has fewer messages than are cached");
  for (size_t i = first; i < messages.size(); ++i)
    if (role_of(messages[i].role) == Role::Unknown)
      return Error("message " + std::to_string(i + 1) + " has role '" + std::string(messages[i].role) +
                   "'; roles are system, user and assistant");
  const ChatTemplateKind kind = template_.kind;
  const bool system_first = !messages.empty() && role_of(messages[0].role) == Role::System;
  const bool thinking = thinking_for(messages);
  // SmolLM3 writes its system turn itself, and no system message in the conversation's loop.
  const bool metadata_system = kind == ChatTemplateKind::ChatMl && !template_.system_preamble.empty();
  if (first == 0) {
    if (template_.bos_in_template && kind != ChatTemplateKind::Llama2 && kind != ChatTemplateKind::Llama3)
      sink(Segment{Part::Bos, {}});
    if (kind == ChatTemplateKind::ChatMl && !template_.system_preamble.empty()) emit_metadata_system(messages, thinking, sink);
    if (kind == ChatTemplateKind::ChatMl && template_.system_preamble.empty() && template_.has_default_system &&
        !system_first) {
      sink(Segment{Part::Marker, "<|im_start|>"}), sink(Segment{Part::Text, "system\n"});
      sink(Segment{Part::Text, template_.default_system});
      sink(Segment{Part::Marker, "<|im_end|>"}), sink(Segment{Part::Text, "\n"});
    }
    if (kind == ChatTemplateKind::Granite && template_.has_default_system && !system_first) {
      sink(Segment{Part::Marker, "<|start_of_role|>"}), sink(Segment{Part::Text, "system"});
      sink(Segment{Part::Marker, "<|end_of_role|>"}), emit_dated(template_.default_system, sink);
      sink(Segment{Part::Marker, "<|end_of_text|>"}), sink(Segment{Part::Text, "\n"});
    }
    // Llama 3.1+ writes its dated system turn whether or not the conversation has a system message.
    if (kind == ChatTemplateKind::Llama3 && !template_.system_preamble.empty() && !system_first) {
      sink(Segment{Part::Bos, {}});
      sink(Segment{Part::Marker, "<|start_header_id|>"}), sink(Segment{Part::Text, "system"});
      sink(Segment{Part::Marker, "<|end_header_id|>"}), sink(Segment{Part::Text, "\n\n"});
      emit_dated(template_.system_preamble, sink);
      sink(Segment{Part::Marker, "<|eot_id|>"});
    }
    // DeepSeek-R1 writes the (last) system message's text bare, right after BOS.
    if (kind == ChatTemplateKind::DeepSeek)
      for (size_t i = messages.size(); i-- > 0;)
        if (role_of(messages[i].role) == Role::System) {
          sink(Segment{Part::Text, messages[i].content});
          break;
        }
  } else if (!previous_closed) {
    emit_close(messages[first - 1], sink);
  }
  size_t last_user = 0;
  for (size_t i = 0; i < messages.size(); ++i)
    if (role_of(messages[i].role) == Role::User) last_user = i;
  for (size_t i = first; i < messages.size(); ++i) {
    const Role role = role_of(messages[i].role);
    sink(Segment{Part::Start, {}});
    if (role == Role::System && messages[i].content.empty() && template_.skip_empty_system) continue;
    ChatMessage message = messages[i];
    if (role == Role::Assistant && i < last_user && template_.drop_history_reasoning)
      message.content = without_reasoning(message.content);
    if (role == Role::Assistant && template_.drop_all_reasoning) message.content = without_reasoning(message.content, false);
    if (folds_system(kind) && role == Role::System) {
      if (i == 0 && messages.size() > 1) continue;  // written inside the next turn
      if (drops_other_system(kind)) continue;  // Llama 2 and Mistral write no other system message
    }
    if ((drops_other_system(kind) || metadata_system) && role == Role::System) continue;
    // A default string_view (null data) means no system message; an empty one is an empty message.
    // Mistral writes it in the last message, when that is the user's.
    std::string_view prefix;
    const size_t folded_into = kind == ChatTemplateKind::Mistral ? messages.size() - 1 : 1;
    if (folds_system(kind) && system_first && i == folded_into && i > 0)
      prefix = messages[0].content.data() ? messages[0].content : std::string_view("", 0);
    const bool synthetic_system = kind == ChatTemplateKind::Llama3 && !template_.system_preamble.empty() && !system_first;
    emit_open(message, i == 0 && !synthetic_system, prefix, sink, thinking);
    emit_close(message, sink);
  }
  if (add_generation_prompt) {
    sink(Segment{Part::Start, {}});
    switch (kind) {
      case ChatTemplateKind::ChatMl:
        sink(Segment{Part::Marker, "<|im_start|>"}), sink(Segment{Part::Text, "assistant\n"});
        if (!thinking && has_think_switch()) emit_reasoning(template_.think_off_prefix, sink);
        break;
      case ChatTemplateKind::Llama2: break;  // the reply follows " [/INST]" directly
      case ChatTemplateKind::Llama3:
        sink(Segment{Part::Marker, "<|start_header_id|>"}), sink(Segment{Part::Text, "assistant"});
        sink(Segment{Part::Marker, "<|end_header_id|>"}), sink(Segment{Part::Text, "\n\n"});
        break;
      case ChatTemplateKind::Phi3:
      case ChatTemplateKind::Zephyr:
        sink(Segment{Part::Marker, "<|assistant|>"});
        if (!template_.compact_turns) sink(Segment{Part::Text, "\n"});
        break;
      case ChatTemplateKind::Gemma:
        sink(Segment{Part::Marker, "<start_of_turn>"}), sink(Segment{Part::Text, "model\n"});
        break;
      case ChatTemplateKind::Granite:
        sink(Segment{Part::Marker, "<|start_of_role|>"}), sink(Segment{Part::Text, "assistant"});
        sink(Segment{Part::Marker, "<|end_of_role|>"});
        break;
      case ChatTemplateKind::Mistral: break;  // the reply follows "[/INST]" directly
      case ChatTemplateKind::DeepSeek:
        // The reply opens inside its reasoning, as the template's generation prompt writes it.
        sink(Segment{Part::Marker, "<\xef\xbd\x9c" "Assistant\xef\xbd\x9c>"}), sink(Segment{Part::Marker, "<think>"});
        sink(Segment{Part::Text, "\n"});
        break;
    }
  } else if (kind == ChatTemplateKind::Phi3) {
    sink(Segment{Part::Eos, {}});
  }
  return {};
}

Status ChatFormatter::render_text(std::span<const ChatMessage> messages, bool add_generation_prompt,
                                  std::string& out) const {
  return emit(messages, 0, add_generation_prompt, false, [&](const Segment& s) {
    if (s.part == Part::Bos) out += bos_text_;
    else if (s.part == Part::Eos) out += eos_text_;
    else if (s.part != Part::Start) out += s.text;
  });
}

Status ChatFormatter::render_tokens(std::span<const ChatMessage> messages, size_t first, bool add_generation_prompt,
                                    std::vector<int32_t>& ids, Workspace& workspace, bool previous_closed,
                                    std::vector<uint32_t>* message_starts) const {
  std::string& pending = workspace.text;
  pending.clear();
  const size_t base = ids.size();
  // A message whose start waits for the text before it to be flushed; text of its own spoils it.
  bool awaiting = false, spoiled = false;
  auto mark = [&](uint32_t at) {
    if (message_starts) message_starts->push_back(at);
  };
  auto flush = [&] {
    if (pending.empty()) return;
    tokenizer_.encode(pending, EncodeOptions{}, ids, workspace.tokenizer);  // never parses special tokens
    pending.clear();
  };
  auto push = [&](int32_t id, std::string_view text) {
    if (id < 0) {
      spoiled = spoiled || awaiting;
      return void(pending += text);
    }
    flush();
    if (awaiting) mark(spoiled ? kNoBoundary : uint32_t(ids.size() - base));
    awaiting = spoiled = false;
    ids.push_back(id);
  };
  // BOS comes once at the start: whether the tokenizer adds it or the template writes it.
  const size_t start_size = ids.size();
  const bool bos_added = first == 0 && tokenizer_.vocab_adds_bos() && tokenizer_.bos_id() >= 0;
  if (bos_added) ids.push_back(tokenizer_.bos_id());
  const Status status = emit(messages, first, add_generation_prompt, previous_closed, [&](const Segment& s) {
    switch (s.part) {
      case Part::Start:
        if (awaiting) mark(kNoBoundary);
        awaiting = spoiled = false;
        if (pending.empty()) mark(uint32_t(ids.size() - base));
        else awaiting = true;
        break;
      case Part::Text:
        spoiled = spoiled || awaiting;
        pending += s.text;
        break;
      case Part::Marker: push(marker_token(s.text), s.text); break;
      case Part::Bos:
        if (!(bos_added && ids.size() == start_size + 1 && pending.empty())) push(tokenizer_.bos_id(), bos_text_);
        break;
      case Part::Eos: push(tokenizer_.eos_id(), eos_text_); break;
    }
  });
  if (!status) return status;
  flush();
  if (awaiting) mark(kNoBoundary);
  return {};
}

}  // namespace sprig
