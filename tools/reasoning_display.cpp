#include "reasoning_display.h"

#include <vector>

namespace sprig::cli {
namespace {

constexpr std::string_view kOpen = "<think>", kClose = "</think>";
constexpr const char* kDim = "\x1b[2m";
constexpr const char* kReset = "\x1b[0m";

std::string_view trim_newlines(std::string_view text) {
  while (!text.empty() && text.front() == '\n') text.remove_prefix(1);
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

// How many characters at the end of `text` could begin `tag`.
size_t partial_tag(std::string_view text, std::string_view tag) {
  for (size_t n = std::min(text.size(), tag.size() - 1); n > 0; --n)
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  return 0;
}

}  // namespace

ReasoningSplit split_reasoning(std::string_view reply, bool opened) {
  ReasoningSplit split;
  split.answer = reply;
  std::string_view rest = reply;
  if (!opened) {
    const size_t start = reply.find_first_not_of('\n');
    if (start == std::string_view::npos || reply.substr(start, kOpen.size()) != kOpen) return split;
    rest = reply.substr(start + kOpen.size());
  }
  split.has_reasoning = true;
  const size_t close = rest.find(kClose);
  if (close == std::string_view::npos) {
    split.reasoning = trim_newlines(rest), split.answer = {};
    return split;
  }
  split.reasoning = trim_newlines(rest.substr(0, close));
  split.answer = rest.substr(close + kClose.size());
  while (!split.answer.empty() && split.answer.front() == '\n') split.answer.remove_prefix(1);
  return split;
}

bool prompt_opens_reasoning(const ChatFormatter& formatter) {
  const std::vector<ChatMessage> probe = {{"user", "x"}};
  std::string text;
  if (!formatter.render_text(probe, true, text)) return false;
  const size_t open = text.rfind(kOpen), close = text.rfind(kClose);
  return open != std::string::npos && (close == std::string::npos || close < open);
}

void ReasoningPrinter::begin(bool opened) {
  inside_ = opened;
  held_.clear();
  if (inside_ && show_ && dim_) std::fputs(kDim, out_);
}

void ReasoningPrinter::emit(std::string_view text) {
  if (!text.empty() && (show_ || !inside_)) std::fwrite(text.data(), 1, text.size(), out_);
}

void ReasoningPrinter::write(std::string_view text) {
  held_ += text;
  std::string_view pending = held_;
  while (true) {
    const std::string_view tag = inside_ ? kClose : kOpen;
    const size_t at = pending.find(tag);
    if (at == std::string_view::npos) break;
    emit(pending.substr(0, at));
    if (show_) std::fwrite(tag.data(), 1, tag.size(), out_);
    pending.remove_prefix(at + tag.size());
    inside_ = !inside_;
    if (show_ && dim_) std::fputs(inside_ ? kDim : kReset, out_);
  }
  const size_t keep = partial_tag(pending, inside_ ? kClose : kOpen);
  emit(pending.substr(0, pending.size() - keep));
  held_ = std::string(pending.substr(pending.size() - keep));
  std::fflush(out_);
}

void ReasoningPrinter::end() {
  emit(held_);
  held_.clear();
  if (inside_ && show_ && dim_) std::fputs(kReset, out_);
  inside_ = false;
  std::fflush(out_);
}

}  // namespace sprig::cli
