// A thinking model's reply: its <think> span split from the answer (--json's reasoning_content),
// streamed shown, dimmed or hidden whatever tokens the tags are cut into, and read back from JSON
// into the text the template expects (Qwen3 then drops it from earlier turns).
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "reasoning_display.h"
#include "sprig/chat_json.h"

namespace {

using namespace sprig;
using namespace sprig::cli;

// What the printer writes for `reply` cut into pieces of `step` bytes.
std::string printed(const std::string& reply, size_t step, bool show, bool dim, bool opened = false) {
  std::FILE* file = std::tmpfile();
  REQUIRE(file);
  ReasoningPrinter printer(file, show, dim);
  printer.begin(opened);
  for (size_t at = 0; at < reply.size(); at += step) printer.write(std::string_view(reply).substr(at, step));
  printer.end();
  std::string out(size_t(std::ftell(file)), '\0');
  std::rewind(file);
  REQUIRE(std::fread(out.data(), 1, out.size(), file) == out.size());
  std::fclose(file);
  return out;
}

}  // namespace

TEST_CASE("a reply's reasoning splits from its answer as Qwen3's template reads reasoning_content") {
  ReasoningSplit split = split_reasoning("<think>\nTwo and two.\n</think>\n\n4", false);
  CHECK(split.has_reasoning);
  CHECK(split.reasoning == "Two and two.");
  CHECK(split.answer == "4");
  split = split_reasoning("Just 4.", false);
  CHECK_FALSE(split.has_reasoning);
  CHECK(split.answer == "Just 4.");
  // DeepSeek-R1's generation prompt opens the span: the reply starts inside it.
  split = split_reasoning("Add them.\n</think>\n\n4", true);
  CHECK(split.reasoning == "Add them.");
  CHECK(split.answer == "4");
  // A reply cut off inside its reasoning is all reasoning.
  split = split_reasoning("<think>\nstill thinking", false);
  CHECK(split.reasoning == "still thinking");
  CHECK(split.answer.empty());
}

TEST_CASE("the printer shows, dims or hides the span, however the tags are cut") {
  const std::string reply = "<think>\nTwo and two.\n</think>\n\n4 <thin and </b>";
  for (size_t step : {size_t(1), size_t(2), size_t(3), size_t(5), size_t(100)}) {
    CAPTURE(step);
    CHECK(printed(reply, step, true, false) == reply);
    CHECK(printed(reply, step, true, true) == "<think>\x1b[2m\nTwo and two.\n</think>\x1b[0m\n\n4 <thin and </b>");
    CHECK(printed(reply, step, false, true) == "\n\n4 <thin and </b>");
    CHECK(printed("Add them.\n</think>\n\n4", step, false, false, true) == "\n\n4");
  }
}

TEST_CASE("--json writes reasoning_content apart, and reading it back restores the reply's text") {
  const std::vector<StoredMessage> conversation = {
      {"user", "What is 2+2?"}, {"assistant", "<think>\nTwo and two.\n</think>\n\n4"}};
  const std::string json = conversation_json(conversation, false);
  CHECK(json ==
        "[\n  {\"role\": \"user\", \"content\": \"What is 2+2?\"},\n"
        "  {\"role\": \"assistant\", \"content\": \"4\", \"reasoning_content\": \"Two and two.\"}\n]\n");
  auto back = parse_chat_json(json);
  REQUIRE(back.ok());
  REQUIRE(back.value().size() == 2);
  CHECK(back.value()[1].content == "<think>\nTwo and two.\n</think>\n\n4");
  // Without reasoning the layout is format_chat_json's.
  const std::vector<StoredMessage> plain = {{"user", "Hi"}, {"assistant", "Hello"}};
  CHECK(conversation_json(plain, false) == format_chat_json(plain));
  // reasoning_content belongs to replies only, and only once.
  CHECK_FALSE(parse_chat_json("[{\"role\": \"user\", \"content\": \"x\", \"reasoning_content\": \"y\"}]").ok());
  CHECK_FALSE(parse_chat_json(
                  "[{\"role\": \"assistant\", \"content\": \"x\", \"reasoning_content\": \"y\", \"reasoning_content\": \"z\"}]")
                  .ok());
}
