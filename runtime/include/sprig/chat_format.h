// Role/content messages to a prompt, by the chat template kind the converter stored, without a
// template engine. Template markers ("<|im_start|>", "<|eot_id|>") become their tokens by id;
// message content is always encoded as plain text, so a user cannot forge a turn by typing one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sprig/chat_date.h"
#include "sprig/model.h"
#include "sprig/status.h"
#include "sprig/tokenizer.h"

namespace sprig {

// Roles are "system", "user" and "assistant".
struct ChatMessage {
  std::string_view role;
  std::string_view content;
};

class ChatFormatter {
 public:
  // Working memory of render_tokens; reserved for a text size, rendering allocates nothing.
  struct Workspace {
    void reserve(size_t text_bytes);
    Tokenizer::Workspace tokenizer;
    std::string text;  // the plain-text run between two markers
  };

  // The model must carry a chat template (model.chat_template().present). The date templates
  // write (Llama 3.1+, Granite) is the device's today() until set_date pins another.
  ChatFormatter(const Model& model, const Tokenizer& tokenizer);
  void set_date(const ChatDate& date);
  // The template's reasoning switch (Qwen3's and SmolLM3's enable_thinking): on or off; starts as
  // the template's default. Without a switch it changes nothing.
  bool has_think_switch() const { return !template_.think_off_prefix.empty(); }
  void set_thinking(bool on) { thinking_ = on; }
  bool thinking() const { return thinking_; }

  // The prompt text exactly as the model's Jinja template renders it (control tokens as text).
  Status render_text(std::span<const ChatMessage> messages, bool add_generation_prompt, std::string& out) const;

  // Appends the tokens of messages[first..] to `ids`. With first == 0 that is the whole
  // conversation, BOS included. With first > 0 the earlier messages are already in the KV
  // cache except the closing part of messages[first - 1] (its end marker and what follows): an
  // assistant reply generated up to its stop token. Those come first, unless `previous_closed`
  // says they are cached too.
  //
  // With `message_starts`, appends for each message from `first` on (and for the reply the
  // generation prompt opens) the index in `ids` where its tokens begin, or kNoBoundary when it
  // begins inside a run of text that is tokenized as a whole (then its tokens cannot be cut out).
  Status render_tokens(std::span<const ChatMessage> messages, size_t first, bool add_generation_prompt,
                       std::vector<int32_t>& ids, Workspace& workspace, bool previous_closed = false,
                       std::vector<uint32_t>* message_starts = nullptr) const;
  static constexpr uint32_t kNoBoundary = ~uint32_t(0);

  bool is_stop(int32_t token) const;
  const ChatTemplate& chat_template() const { return template_; }

 private:
  enum class Part : uint8_t { Text, Marker, Bos, Eos, Start };  // Start: a message (or the reply) begins
  struct Segment {
    Part part;
    std::string_view text;
  };
  // Calls sink(Segment) for the template's output, from messages[first] (or from the closing
  // part of messages[first - 1]).
  template <class Sink>
  Status emit(std::span<const ChatMessage> messages, size_t first, bool add_generation_prompt, bool previous_closed,
              Sink&& sink) const;
  template <class Sink>
  void emit_open(const ChatMessage& message, bool first_in_conversation, std::string_view system_prefix,
                 Sink&& sink, bool thinking = true) const;
  // `text` with "<think>" and "</think>" as markers (tokens when the vocabulary has them).
  template <class Sink>
  void emit_reasoning(std::string_view text, Sink&& sink) const;
  // SmolLM3's system turn: header, the system text (flags removed) or the mode's default, close.
  template <class Sink>
  void emit_metadata_system(std::span<const ChatMessage> messages, bool thinking, Sink&& sink) const;
  // The switch as this conversation sets it (a system message's "/think", "/no_think").
  bool thinking_for(std::span<const ChatMessage> messages) const;
  template <class Sink>
  void emit_close(const ChatMessage& message, Sink&& sink) const;
  int32_t marker_token(std::string_view marker) const;
  // `text` as plain text with each "{date}" replaced by the date.
  template <class Sink>
  void emit_dated(std::string_view text, Sink&& sink) const;

  const ChatTemplate& template_;
  const Tokenizer& tokenizer_;
  std::string_view bos_text_, eos_text_;
  std::string date_text_;  // the date as the template's date_format writes it
  bool thinking_ = true;
};

}  // namespace sprig
