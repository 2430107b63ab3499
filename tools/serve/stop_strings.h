// The request's `stop` strings over a stream of generated text: text goes out as soon as it can
// no longer be the start of a stop string; a stop string found ends the text just before it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sprig::serve {

class StopStrings {
 public:
  // Reserves for texts up to `text_bytes`, so feeding allocates nothing within that.
  StopStrings(const std::vector<std::string>& stops, size_t text_bytes);

  // Appends `text` and returns what may be sent now (valid until the next call); after a stop
  // string matched, stopped() is true and nothing more is returned.
  std::string_view feed(std::string_view text);
  // At the end: the text held back because it might have begun a stop string.
  std::string_view finish();
  bool stopped() const { return stopped_; }

 private:
  const std::vector<std::string>& stops_;
  std::string text_;    // all text so far (up to the stop string)
  size_t sent_ = 0;     // bytes of text_ returned already
  size_t longest_ = 0;  // the longest stop string
  bool stopped_ = false;
};

}  // namespace sprig::serve
