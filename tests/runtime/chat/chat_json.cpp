// The conversation JSON (sprig chat --conversation, /load and /save, the C API's
// sprig_chat_set_messages_json): the writer's exact layout, escapes both ways, Korean and emoji
// kept as UTF-8, invalid input refused with a message naming line and column, and the bounds on
// nesting, size and error messages. The reader's table of malformed inputs is in test_chat_format.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sprig/chat_json.h"

using namespace sprig;

namespace {

std::vector<StoredMessage> round_trip(const std::vector<StoredMessage>& messages) {
  const std::string written = format_chat_json(messages);
  auto read = parse_chat_json(written);
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message()) << " in " << written);
  return read.value();
}

void check_same(const std::vector<StoredMessage>& a, const std::vector<StoredMessage>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(a[i].role == b[i].role);
    CHECK(a[i].content == b[i].content);
  }
}

std::string refusal(std::string_view text) {
  auto result = parse_chat_json(text);
  REQUIRE_FALSE(result);
  return result.error().message();
}

const char* const kKorean = "\xEC\x95\x88\xEB\x85\x95\xED\x95\x98\xEC\x84\xB8\xEC\x9A\x94";  // 안녕하세요
const char* const kGrinning = "\xF0\x9F\x98\x80";                                          // U+1F600

}  // namespace

TEST_CASE("the writer puts one message per line and the reader reads it back") {
  const std::vector<StoredMessage> messages = {{"system", "Be brief."}, {"user", "hi"}, {"assistant", "Hello."}};
  CHECK(format_chat_json(messages) ==
        "[\n"
        "  {\"role\": \"system\", \"content\": \"Be brief.\"},\n"
        "  {\"role\": \"user\", \"content\": \"hi\"},\n"
        "  {\"role\": \"assistant\", \"content\": \"Hello.\"}\n"
        "]\n");
  check_same(round_trip(messages), messages);
  CHECK(format_chat_json({}) == "[]\n");
  CHECK(round_trip({}).empty());
  // Empty content is a message like any other.
  check_same(round_trip({{"user", ""}}), {{"user", ""}});
}

TEST_CASE("every control character is escaped on the way out and restored on the way in") {
  std::string all_controls;
  for (int c = 1; c < 0x20; ++c) all_controls += char(c);
  all_controls += "\"\\/\x7F";
  const std::vector<StoredMessage> messages = {{"user", all_controls}};
  const std::string written = format_chat_json(messages);
  // The only raw control characters in the file are the line breaks between messages.
  for (char c : written) CHECK((static_cast<unsigned char>(c) >= 0x20 || c == '\n'));
  CHECK(written.find("\\n") != std::string::npos);
  CHECK(written.find("\\t") != std::string::npos);
  CHECK(written.find("\\r") != std::string::npos);
  CHECK(written.find("\\u0001") != std::string::npos);
  CHECK(written.find("\\u001f") != std::string::npos);
  CHECK(written.find("\\\"\\\\/\x7F") != std::string::npos);  // quote and backslash escaped, '/' and DEL not
  check_same(round_trip(messages), messages);

  // The reader takes every escape JSON defines, hex digits in either case.
  auto read = parse_chat_json(R"([{"role": "user", "content": "\"\\\/\b\f\n\r\t\u0041\u00e9\u00E9"}])");
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message()));
  CHECK(read.value()[0].content == "\"\\/\b\f\n\r\tA\xC3\xA9\xC3\xA9");
}

TEST_CASE("Korean and emoji stay UTF-8 in the file and read the same from \\u escapes") {
  const std::string mixed = std::string(kKorean) + " " + kGrinning + " \xE2\x9C\x93 \xF4\x8F\xBF\xBF";
  const std::vector<StoredMessage> messages = {{"user", mixed}, {"assistant", kGrinning}};
  const std::string written = format_chat_json(messages);
  CHECK(written.find(mixed) != std::string::npos);  // written as is, not as \u escapes
  CHECK(written.find("\\u") == std::string::npos);
  check_same(round_trip(messages), messages);

  // 안녕 as BMP escapes, U+1F600 as a surrogate pair (either case).
  auto read = parse_chat_json(R"([{"role": "user", "content": "\uc548\ub155 \ud83d\ude00\uD83D\uDE00"}])");
  REQUIRE_MESSAGE(read, (read ? "" : read.error().message()));
  CHECK(read.value()[0].content == "\xEC\x95\x88\xEB\x85\x95 " + std::string(kGrinning) + kGrinning);
  // A UTF-8 byte order mark before the array is tolerated, as editors write one.
  auto with_bom = parse_chat_json("\xEF\xBB\xBF[{\"role\": \"user\", \"content\": \"" + std::string(kKorean) + "\"}]");
  REQUIRE(with_bom);
  CHECK(with_bom.value()[0].content == kKorean);
}

TEST_CASE("invalid input is refused with a message naming line, column and what is wrong") {
  // Cut-off, overlong and out-of-range UTF-8, and a lone surrogate encoded as UTF-8.
  for (const std::string& bad : {std::string(kKorean).substr(0, 4), std::string("\xE0\x80\xAF"),
                                std::string("\xF4\x90\x80\x80"), std::string("\xED\xB2\x80"),
                                std::string(kGrinning).substr(0, 3), std::string("\xFF")}) {
    CAPTURE(bad);
    const std::string message = refusal("[{\"role\": \"user\", \"content\": \"" + bad + "\"}]");
    CHECK(message.find("invalid UTF-8") != std::string::npos);
    CHECK(message.find("conversation JSON, line 1 column") == 0);
  }
  // The position is counted in lines and bytes from the start of the file.
  const std::string message = refusal("[\n  {\"role\": \"user\",\n   \"content\": 7}]");
  CHECK(message == "conversation JSON, line 3 column 15: expected a string");
  CHECK(refusal("[{\"role\": \"robot\", \"content\": \"x\"}]").find("role \"robot\" is not system, user or assistant") !=
        std::string::npos);
  // Only the role/content shape: no top-level object, no numbers, no nulls.
  CHECK(refusal("{\"messages\": []}").find("expected '['") != std::string::npos);
  CHECK(refusal("[{\"role\": null, \"content\": \"x\"}]").find("expected a string") != std::string::npos);
  CHECK(refusal("[\"user\"]").find("expected an object") != std::string::npos);
  CHECK(refusal("[]\n]").find("line 2 column 1: unexpected text") != std::string::npos);
}

TEST_CASE("nesting is refused at once, however deep") {
  // The reader has no recursion: a deep array or object is an error at its second level.
  const std::string deep_arrays(1 << 20, '[');
  CHECK(refusal(deep_arrays) == "conversation JSON, line 1 column 2: expected an object {\"role\": ..., \"content\": ...}");
  std::string deep_objects = "[{\"role\": ";
  for (int i = 0; i < 100000; ++i) deep_objects += "{\"a\": ";
  CHECK(refusal(deep_objects).find("line 1 column 11: expected a string") != std::string::npos);
  CHECK(refusal("[{\"role\": \"user\", \"content\": [\"x\"]}]").find("expected a string") != std::string::npos);
}

TEST_CASE("large conversations round trip, and what is read is never larger than the file") {
  std::vector<StoredMessage> many;
  for (int i = 0; i < 2000; ++i)
    many.push_back({i % 2 ? "assistant" : "user", std::string(kKorean) + std::to_string(i) + std::string(500, 'x')});
  check_same(round_trip(many), many);

  const std::vector<StoredMessage> one_big = {{"user", std::string(8 << 20, 'a') + kGrinning}};
  const std::string written = format_chat_json(one_big);
  auto read = parse_chat_json(written);
  REQUIRE(read);
  CHECK(read.value()[0].content == one_big[0].content);
  size_t bytes_read = 0;
  for (const StoredMessage& m : read.value()) bytes_read += m.role.size() + m.content.size();
  CHECK(bytes_read <= written.size());
}

TEST_CASE("an error message stays short when the offending text is huge") {
  // The fuzz target holds every refusal under 4 KB; these are the inputs that quote the file.
  const std::string huge(1 << 20, 'k');
  for (const std::string& text :
       {"[{\"" + huge + "\": \"x\"}]", "[{\"role\": \"" + huge + "\", \"content\": \"x\"}]",
        "[{\"" + huge + "\" \"x\"}]", "[{\"role\": \"user\", \"content\": \"" + huge + "\\q\"}]"}) {
    const std::string message = refusal(text);
    CAPTURE(message.substr(0, 120));
    CHECK(message.size() < 4096);
  }
  // The quote keeps the start of the text, cut between whole UTF-8 characters.
  std::string korean_role, expected_quote;
  for (int i = 0; i < 100; ++i) korean_role += kKorean;
  expected_quote = "role \"" + korean_role.substr(0, 63) + "...\" is not system, user or assistant";
  CHECK(refusal("[{\"role\": \"" + korean_role + "\", \"content\": \"x\"}]").find(expected_quote) != std::string::npos);
}

TEST_CASE("typed text is repaired so that the writer's output always reads back") {
  StoredMessage typed{"user", ""};
  assign_typed_text(typed.content, std::string("a\xFF" "b") + std::string(1, '\0') + "c" + kKorean);
  CHECK(typed.content == std::string("a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c") + kKorean);
  check_same(round_trip({typed}), {typed});
  // A character cut off at the end of what was typed becomes one U+FFFD.
  assign_typed_text(typed.content, std::string(kKorean).substr(0, 14));
  CHECK(typed.content == std::string(kKorean).substr(0, 12) + "\xEF\xBF\xBD");
  assign_typed_text(typed.content, kGrinning);
  CHECK(typed.content == kGrinning);
}
