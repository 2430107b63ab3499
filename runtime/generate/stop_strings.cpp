#include "sprig/stop_strings.h"

#include <algorithm>

namespace sprig {

StopStrings::StopStrings(std::vector<std::string> stops, size_t piece_bytes) : stops_(std::move(stops)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
  size_t longest = 0;
  for (const std::string& s : stops_) longest = std::max(longest, s.size());
  pending_.reserve(longest + piece_bytes);  // a held-back tail (shorter than a stop) and the next piece
}

bool StopStrings::push(std::string_view text, std::string& released) {
  if (stopped_) return true;
  pending_ += text;
  size_t first = std::string::npos;
  for (const std::string& stop : stops_) first = std::min(first, pending_.find(stop));
  if (first != std::string::npos) {
    released.append(pending_, 0, first);
    pending_.clear();
    stopped_ = true;
    return true;
  }
  // Hold back the longest tail that is the start of some stop string.
  size_t hold = 0;
  for (const std::string& stop : stops_)
    for (size_t n = std::min(stop.size() - 1, pending_.size()); n > hold; --n)
      if (pending_.compare(pending_.size() - n, n, stop, 0, n) == 0) {
        hold = n;
        break;
      }
  released.append(pending_, 0, pending_.size() - hold);
  pending_.erase(0, pending_.size() - hold);
  return false;
}

void StopStrings::finish(std::string& released) {
  if (!stopped_) released += pending_;
  pending_.clear();
}

}  // namespace sprig
