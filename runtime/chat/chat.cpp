#include "sprig/chat.h"

#include <algorithm>
#include <chrono>

#include "platform/clock.h"

namespace sprig {

Chat::Chat(Session& session, const Tokenizer& tokenizer, const ChatFormatter& formatter, Sampler& sampler,
           const ChatLimits& limits)
    : session_(session), tokenizer_(tokenizer), formatter_(formatter), sampler_(sampler) {
  logits_.resize(tokenizer.vocab_size());
  tokens_.reserve(session.context_length());
  new_tokens_.reserve(session.context_length());
  slots_.resize(std::max<size_t>(limits.max_messages, 2));
  for (StoredMessage& slot : slots_) {
    slot.role.reserve(16);
    slot.content.reserve(limits.message_bytes);
  }
  views_.reserve(slots_.size());
  starts_.reserve(slots_.size() + 1);
  new_starts_.reserve(slots_.size() + 1);
  // A run of plain text between two markers holds at most a system prompt and a message.
  workspace_.reserve(2 * limits.message_bytes + 256);
}

StoredMessage& Chat::append_message(std::string_view role, std::string_view content) {
  if (count_ == slots_.size()) slots_.emplace_back();  // past the limits: allocates
  StoredMessage& slot = slots_[count_++];
  slot.role.assign(role);
  // The door for text into the conversation: invalid UTF-8 becomes U+FFFD here, so what the chat
  // stores, saves and returns as JSON is always what parse_chat_json reads back.
  assign_typed_text(slot.content, content);
  return slot;
}

void Chat::set_messages(std::vector<StoredMessage> messages) {
  count_ = 0;
  for (const StoredMessage& m : messages) append_message(m.role, m.content);
  starts_.clear();
  cached_messages_ = 0;
  last_closed_ = false;
  tokens_.clear();
  session_.reset();
}

void Chat::reset() {
  count_ = count_ > 0 && slots_[0].role == "system" ? 1 : 0;
  starts_.clear();
  cached_messages_ = 0;
  last_closed_ = false;
  tokens_.clear();
  session_.reset();
}

Status Chat::render_new(size_t first, std::vector<int32_t>& ids, bool generation_prompt) {
  views_.clear();
  for (const StoredMessage& m : messages()) views_.push_back({m.role, m.content});
  ids.clear();
  new_starts_.clear();
  render_first_ = first;
  return formatter_.render_tokens(views_, first, generation_prompt, ids, workspace_, first > 0 && last_closed_,
                                  &new_starts_);
}

void Chat::commit_starts(size_t base) {
  starts_.resize(std::min(starts_.size(), render_first_));
  while (starts_.size() < render_first_) starts_.push_back(ChatFormatter::kNoBoundary);
  for (uint32_t at : new_starts_)
    starts_.push_back(at == ChatFormatter::kNoBoundary ? at : uint32_t(base + at));
}

bool Chat::shift_out(size_t from, size_t end) {
  const ChatTemplateKind kind = formatter_.chat_template().kind;
  // These write the system prompt inside the first user turn: dropping that turn would drop it.
  if (kind == ChatTemplateKind::Llama2 || kind == ChatTemplateKind::Gemma) return false;
  if (end >= cached_messages_ || end >= starts_.size()) return false;
  uint32_t first = starts_[from];
  const uint32_t last = starts_[end];
  if (first == ChatFormatter::kNoBoundary || last == ChatFormatter::kNoBoundary) return false;
  if (first == 0 && !tokens_.empty() && tokens_[0] == tokenizer_.bos_id()) first = 1;  // BOS stays
  if (last <= first || last > tokens_.size()) return false;
  const uint32_t drop = last - first;
  if (!session_.shift(first, drop)) return false;
  tokens_.erase(tokens_.begin() + first, tokens_.begin() + last);
  for (size_t i = end; i < starts_.size(); ++i)
    if (starts_[i] != ChatFormatter::kNoBoundary) starts_[i] -= drop;
  starts_.erase(starts_.begin() + ptrdiff_t(from), starts_.begin() + ptrdiff_t(end));
  std::rotate(slots_.begin() + ptrdiff_t(from), slots_.begin() + ptrdiff_t(end), slots_.begin() + ptrdiff_t(count_));
  count_ -= end - from;
  cached_messages_ -= end - from;
  render_first_ -= end - from;
  return true;
}

Status Chat::prime() {
  if (cached_messages_ == count_) return {};
  const ChatTemplateKind kind = formatter_.chat_template().kind;
  // Llama 2 and Gemma write the system prompt inside the first user turn: nothing to prefill yet.
  if (kind == ChatTemplateKind::Llama2 || kind == ChatTemplateKind::Gemma) return {};
  if (Status s = render_new(cached_messages_, new_tokens_, false); !s) return s;
  if (new_tokens_.empty()) return {};
  if (tokens_.size() + new_tokens_.size() >= session_.context_length())
    return Error("the conversation does not fit the context of " + std::to_string(session_.context_length()) + " tokens");
  if (Status s = session_.prefill(new_tokens_); !s) return s;
  commit_starts(tokens_.size());
  tokens_.insert(tokens_.end(), new_tokens_.begin(), new_tokens_.end());
  cached_messages_ = count_;
  last_closed_ = true;
  return {};
}

Result<uint32_t> Chat::fit_context(uint32_t reply_room, std::vector<int32_t>& ids) {
  const uint32_t context = session_.context_length();
  uint32_t dropped = 0;
  while (true) {
    if (tokens_.size() + ids.size() + reply_room <= context) return dropped;
    // Start over from the system prompt and the newest messages: drop the oldest turn after it.
    const size_t keep_from = count_ > 0 && slots_[0].role == "system" ? 1 : 0;
    if (count_ - keep_from <= 1) {
      // Nothing left to drop: go ahead if the prompt fits at all (the reply gets what is left).
      if (tokens_.size() + ids.size() < context) return dropped;
      return Error("the system prompt and the last message (" + std::to_string(ids.size()) +
                   " tokens) do not fit the context of " + std::to_string(context) + " tokens");
    }
    // Drop a user message with the replies that follow it, so turns stay whole.
    size_t end = keep_from + 1;
    while (end < count_ - 1 && slots_[end].role != "user") ++end;
    dropped += uint32_t(end - keep_from);
    // Cached turns with clean token boundaries leave by a context shift: nothing is recomputed.
    if (shift_out(keep_from, end)) continue;
    // Otherwise start over from the system prompt and the newest messages.
    // Dropped slots move to the back (strings swap, keeping their reserved memory).
    std::rotate(slots_.begin() + ptrdiff_t(keep_from), slots_.begin() + ptrdiff_t(end), slots_.begin() + ptrdiff_t(count_));
    count_ -= end - keep_from;
    cached_messages_ = 0;
    last_closed_ = false;
    tokens_.clear();
    session_.reset();
    if (Status s = render_new(0, ids, true); !s) return s.error();
  }
}

Result<ChatTurnStats> Chat::turn(std::string_view user, uint32_t max_tokens, const TokenSink& sink) {
  if (user.empty()) return reply(max_tokens, sink);
  append_message("user", user);
  auto result = reply(max_tokens, sink);
  // A turn that failed before its reply began leaves no unanswered message behind.
  if (!result && count_ > 0 && slots_[count_ - 1].role == "user" && cached_messages_ < count_) --count_;
  return result;
}

Result<ChatTurnStats> Chat::reply(uint32_t max_tokens, const TokenSink& sink) {
  ChatTurnStats stats;
  if (count_ == 0 || slots_[count_ - 1].role != "user") return Error("the conversation does not end with a user message");
  if (Status s = render_new(cached_messages_, new_tokens_, true); !s) return s.error();
  // Room for a reply: up to max_tokens, and never more than a quarter of the context.
  const uint32_t room = std::min<uint32_t>(std::max<uint32_t>(max_tokens, 1), session_.context_length() / 4);
  auto dropped = fit_context(room, new_tokens_);
  if (!dropped) return dropped.error();
  stats.dropped_messages = dropped.value();

  auto start = std::chrono::steady_clock::now();
  if (new_tokens_.empty()) return Error("the template rendered no tokens for this turn");
  if (Status s = session_.prefill(new_tokens_); !s) return s.error();
  sampler_.remember(new_tokens_);  // the penalties see the conversation too
  commit_starts(tokens_.size());
  tokens_.insert(tokens_.end(), new_tokens_.begin(), new_tokens_.end());
  cached_messages_ = count_;
  last_closed_ = false;
  stats.prefilled_tokens = uint32_t(new_tokens_.size());
  stats.prompt_seconds = seconds_since(start);

  std::string& reply = append_message("assistant", "").content;
  // The loop's sink and stop test capture one pointer each, so building them allocates nothing.
  struct Turn {
    Chat& chat;
    std::string& reply;
    const TokenSink& sink;
  } turn{*this, reply, sink};
  const TokenSink record = [t = &turn](int32_t token, std::string_view text) {
    t->reply += text;
    if (token < 0) return t->sink(token, text);
    t->chat.tokens_.push_back(token);
    return t->sink(token, text);
  };
  DecodeOptions options;
  options.max_tokens = max_tokens;
  options.is_stop = [f = &formatter_](int32_t token) { return f->is_stop(token); };
  options.feed_before_sink = true;
  auto decoded = decode_tokens(session_, tokenizer_, sampler_, tokens_.back(), logits_, options, record);
  if (!decoded) return decoded.error();
  stats.generated_tokens = decoded->generated_tokens;
  stats.stop = decoded->stop;
  // The reply's tokens are cached; its closing marker comes at the start of the next turn.
  cached_messages_ = count_;
  last_closed_ = false;
  stats.generation_seconds = decoded->generation_seconds;
  return stats;
}

// The session file's extra bytes: whether the last message is closed, then the messages as JSON.
Status Chat::save_state(const std::string& path) const {
  std::string extra(1, last_closed_ ? '1' : '0');
  extra += format_chat_json(messages());
  return session_.save_state(path, tokens_, extra);
}

Status Chat::resume(const std::string& path) {
  set_messages({});
  std::string extra;
  auto tokens = session_.load_state(path, extra);
  if (!tokens) return Status(tokens.error());
  auto messages = parse_chat_json(std::string_view(extra).substr(std::min<size_t>(1, extra.size())));
  if (extra.empty() || (extra[0] != '0' && extra[0] != '1') || !messages) {
    session_.reset();
    return Error(path + ": the conversation stored with the session is damaged" +
                 (messages ? std::string() : ": " + messages.error().message()));
  }
  for (const StoredMessage& m : messages.value()) append_message(m.role, m.content);
  starts_.assign(count_, ChatFormatter::kNoBoundary);  // not stored: a full context recomputes
  tokens_ = std::move(tokens.value());
  cached_messages_ = count_;
  last_closed_ = extra[0] == '1';
  return {};
}

}  // namespace sprig
