// Stop strings over streamed text: nothing of a stop string is shown, the text before it is,
// a split stop string is caught across pieces, and what is shown always ends on a character.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sprig/stop_strings.h"

using namespace sprig;

namespace {

bool whole_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n;
  }
  return true;
}

// Feeds `pieces`; returns what was shown and whether it stopped. Every release must be whole UTF-8.
std::pair<std::string, bool> feed(std::vector<std::string> stops, const std::vector<std::string>& pieces) {
  StopStrings s(std::move(stops));
  std::string shown;
  for (const std::string& piece : pieces) {
    std::string released;
    const bool stopped = s.push(piece, released);
    CHECK(whole_utf8(released));
    shown += released;
    if (stopped) return {shown, true};
  }
  std::string rest;
  s.finish(rest);
  return {shown + rest, false};
}

}  // namespace

TEST_CASE("a stop string ends the text before it") {
  CHECK(feed({"world"}, {"Hello wor", "ld! Bye"}) == std::pair<std::string, bool>{"Hello ", true});
  CHECK(feed({"<|end|>"}, {"hi", "<|", "end", "|>", "more"}) == std::pair<std::string, bool>{"hi", true});
  // The earliest of several.
  CHECK(feed({"Bye", "!"}, {"Hello world! Bye"}) == std::pair<std::string, bool>{"Hello world", true});
}

TEST_CASE("a tail that only looked like a stop string is shown after all") {
  CHECK(feed({"<|end|>"}, {"abc<|", "en"}) == std::pair<std::string, bool>{"abc<|en", false});
  CHECK(feed({"<|end|>"}, {"abc<|", "x"}) == std::pair<std::string, bool>{"abc<|x", false});
  CHECK(feed({}, {"a", "b"}) == std::pair<std::string, bool>{"ab", false});
}

TEST_CASE("text shown never ends inside a character") {
  // One character per piece, and a stop string starting with a three-byte character.
  CHECK(feed({"하세"}, {"안", "녕", "하", "세", "요"}) == std::pair<std::string, bool>{"안녕", true});
  CHECK(feed({"하x"}, {"안", "녕", "하", "세", "요"}) == std::pair<std::string, bool>{"안녕하세요", false});
  // A stop string that ends where a character of the text begins its last bytes: UTF-8 never
  // lets one character's bytes match in the middle of another.
  CHECK(feed({"녕x"}, {"안", "녕", "녕", "x!"}) == std::pair<std::string, bool>{"안녕", true});
}
