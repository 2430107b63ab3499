// Stop strings (llama.cpp's reverse prompts) over streamed text: text is released only once no
// stop string can start in it, and a stop string found is neither released nor anything after
// it. Released text ends on a character boundary when the input does (Utf8Stream's output): a
// held-back tail starts where a stop string could start, at its first byte, so it is never in
// the middle of a character (stop strings are whole UTF-8 text).
// Feeding allocates nothing once reserved: the held-back text is at most one stop string, so
// pieces up to `piece_bytes` fit the buffer the constructor takes (the server's token path
// relies on this; so must `released`, which the caller reserves).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sprig {

class StopStrings {
 public:
  explicit StopStrings(std::vector<std::string> stops, size_t piece_bytes = 64);

  bool empty() const { return stops_.empty(); }
  bool stopped() const { return stopped_; }
  // Adds `text`; appends to `released` what may be shown now. Returns true when a stop string
  // has been found (the text before it is released, it and the rest are dropped).
  bool push(std::string_view text, std::string& released);
  // At the end of the stream: the held-back text that turned out to be no stop string.
  void finish(std::string& released);

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace sprig
