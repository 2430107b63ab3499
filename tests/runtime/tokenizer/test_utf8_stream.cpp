// Streaming text never shows half a character: split characters wait, broken bytes become U+FFFD.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "sprig/utf8_stream.h"
#include "test_support.h"

using sprig::Utf8Stream;

namespace {

const std::string kReplacement = "\xef\xbf\xbd";

std::string stream_in_pieces(const std::string& bytes, size_t piece) {
  Utf8Stream stream;
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += piece) {
    std::string chunk;
    stream.push(std::string_view(bytes).substr(i, piece), chunk);
    // Whatever comes out is whole characters: never a lead byte without its continuations.
    Utf8Stream check;
    std::string echoed;
    check.push(chunk, echoed);
    REQUIRE_FALSE(check.pending());
    out += chunk;
  }
  stream.finish(out);
  return out;
}

}  // namespace

TEST_CASE("Korean, emoji and combining marks pass through unchanged in any split") {
  const std::string text = "안녕하세요, 세계! 👩‍👩‍👧 e\xcc\x81 naïve 日本語\t end";
  for (size_t piece = 1; piece <= 5; ++piece) CHECK(stream_in_pieces(text, piece) == text);
}

TEST_CASE("a character split across pushes is held until it completes") {
  Utf8Stream stream;
  std::string out;
  stream.push("\xea\xb0", out);  // first two bytes of 가
  CHECK(out.empty());
  CHECK(stream.pending());
  stream.push("\x80!", out);
  CHECK(out == "가!");
}

TEST_CASE("invalid bytes become U+FFFD, one per broken sequence") {
  CHECK(stream_in_pieces("a\xff" "b", 1) == "a" + kReplacement + "b");
  CHECK(stream_in_pieces("\xea\xb0" "x", 1) == kReplacement + "x");       // cut short
  CHECK(stream_in_pieces("\xc0\xaf", 1) == kReplacement + kReplacement);  // overlong lead
  CHECK(stream_in_pieces("\xed\xa0\x80", 3) == kReplacement + kReplacement + kReplacement);  // surrogate
  CHECK(stream_in_pieces("end\xf0\x9f", 2) == "end" + kReplacement);     // unfinished at the end
}

TEST_CASE("the multilingual evaluation text streams byte by byte unchanged") {
  const std::string shared = sprig::test::shared_dir("utf8 multilingual");
  if (shared.empty()) return;
  std::ifstream in(shared + "/eval/multilingual.txt", std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  REQUIRE(!text.empty());
  CHECK(stream_in_pieces(text, 1) == text);
  CHECK(stream_in_pieces(text, 7) == text);
}
