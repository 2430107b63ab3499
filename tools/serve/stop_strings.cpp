#include "stop_strings.h"

#include <algorithm>

namespace sprig::serve {

StopStrings::StopStrings(const std::vector<std::string>& stops, size_t text_bytes) : stops_(stops) {
  text_.reserve(text_bytes);
  for (const std::string& s : stops_) longest_ = std::max(longest_, s.size());
}

std::string_view StopStrings::feed(std::string_view text) {
  if (stopped_) return {};
  // A stop string that ends in the new text starts at most longest_ - 1 bytes before it.
  const size_t search_from = text_.size() >= longest_ ? text_.size() - longest_ + 1 : 0;
  text_ += text;
  size_t end = std::string::npos;
  for (const std::string& s : stops_) end = std::min(end, text_.find(s, search_from));
  if (end != std::string::npos) {
    stopped_ = true;
    text_.resize(end);
    const size_t from = std::min(sent_, end);
    sent_ = end;
    return std::string_view(text_).substr(from);
  }
  // Hold back the longest tail that is the beginning of some stop string.
  size_t hold = 0;
  for (const std::string& s : stops_)
    for (size_t n = std::min(s.size() - 1, text_.size()); n > hold; --n)
      if (text_.compare(text_.size() - n, n, s, 0, n) == 0) {
        hold = n;
        break;
      }
  // Never split a UTF-8 character: move the cut back to a character's first byte.
  size_t cut = text_.size() - hold;
  while (cut > sent_ && cut < text_.size() && (static_cast<unsigned char>(text_[cut]) & 0xC0) == 0x80) --cut;
  if (cut <= sent_) return {};
  const std::string_view out = std::string_view(text_).substr(sent_, cut - sent_);
  sent_ = cut;
  return out;
}

std::string_view StopStrings::finish() {
  const std::string_view out = std::string_view(text_).substr(sent_);
  sent_ = text_.size();
  return out;
}

}  // namespace sprig::serve
