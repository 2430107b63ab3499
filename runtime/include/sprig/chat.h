// A multi-turn conversation over one session: each turn renders only the tokens that are not in
// the KV cache yet (the previous reply's closing marker, the new user message, the generation
// prompt), prefills them, and generates the reply until a stop token of the template.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sprig/chat_format.h"
#include "sprig/chat_json.h"
#include "sprig/generate.h"
#include "sprig/sampler.h"
#include "sprig/session.h"

namespace sprig {

struct ChatTurnStats {
  uint32_t prefilled_tokens = 0;   // tokens this turn fed through prefill
  uint32_t generated_tokens = 0;   // reply tokens (the stop token not counted)
  uint32_t dropped_messages = 0;   // oldest messages dropped because the context was full
  StopReason stop = StopReason::TokenLimit;
  double prompt_seconds = 0, generation_seconds = 0;
};

// What a chat reserves at creation, so turns within these bounds allocate nothing.
struct ChatLimits {
  size_t max_messages = 64;    // the conversation's messages, the system prompt included
  size_t message_bytes = 4096;  // the longest message (a user's text or a reply)
};

class Chat {
 public:
  // All four outlive the chat. The model must have a chat template.
  Chat(Session& session, const Tokenizer& tokenizer, const ChatFormatter& formatter, Sampler& sampler,
       const ChatLimits& limits = {});

  // Starts over with these messages (a loaded conversation, or a system prompt alone); nothing
  // is computed until the next turn.
  void set_messages(std::vector<StoredMessage> messages);
  // Drops everything but a leading system message.
  void reset();
  std::span<const StoredMessage> messages() const { return {slots_.data(), count_}; }
  // The tokens in the KV cache, one per session position.
  std::span<const int32_t> cached_tokens() const { return tokens_; }

  // Adds `user` (may be empty to answer the conversation as it stands, when it ends with a user
  // message), generates the assistant's reply streamed to `sink` (text only, never the stop
  // token), and appends it. When the context cannot hold the conversation plus room for a reply,
  // the oldest messages after the system prompt are dropped (stats.dropped_messages says how many).
  Result<ChatTurnStats> turn(std::string_view user, uint32_t max_tokens, const TokenSink& sink);

  // Prefills the messages so far (typically a long system prompt) without a generation prompt,
  // so a later save_state keeps them and a resumed app does not compute them again.
  Status prime();
  // The KV cache, its tokens and the conversation, to a file; resume reads it back (same model
  // and session settings) and continues exactly where the conversation was.
  Status save_state(const std::string& path) const;
  Status resume(const std::string& path);

 private:
  Result<ChatTurnStats> reply(uint32_t max_tokens, const TokenSink& sink);
  Status render_new(size_t first, std::vector<int32_t>& ids, bool generation_prompt);
  // Drops the oldest non-system messages until the conversation and `reply_room` tokens fit:
  // by shifting the KV cache when their tokens have clean boundaries, else by recomputing.
  Result<uint32_t> fit_context(uint32_t reply_room, std::vector<int32_t>& ids);
  // Drops cached messages [from, end) from the KV cache without recomputing; false if it cannot.
  bool shift_out(size_t from, size_t end);
  // Records where the messages rendered by the last render_new begin, once their tokens start at
  // tokens_[base].
  void commit_starts(size_t base);
  // The next message slot, filled in place (reserved strings: no allocation within the limits).
  StoredMessage& append_message(std::string_view role, std::string_view content);

  Session& session_;
  const Tokenizer& tokenizer_;
  const ChatFormatter& formatter_;
  Sampler& sampler_;
  std::vector<StoredMessage> slots_;  // the first count_ are the conversation
  size_t count_ = 0;
  // Where each message's tokens begin in tokens_ (ChatFormatter::kNoBoundary: unknown); one more
  // for the reply being generated. Lets a full context drop whole turns by a context shift.
  std::vector<uint32_t> starts_, new_starts_;
  size_t render_first_ = 0;  // the first message the last render_new rendered
  size_t cached_messages_ = 0;  // messages whose tokens are in the cache (the last one's close excepted)
  bool last_closed_ = false;    // the last cached message's close is cached too (prime)
  std::vector<int32_t> tokens_;
  std::vector<int32_t> new_tokens_;
  std::vector<float> logits_;
  std::vector<ChatMessage> views_;
  ChatFormatter::Workspace workspace_;
};

}  // namespace sprig
