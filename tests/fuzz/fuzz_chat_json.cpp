// libFuzzer target over conversation JSON (sprig chat --conversation, /load, the C API's
// sprig_chat_set_messages_json). Properties: no crash; whatever the reader accepts, the writer
// writes back in a form the reader accepts again with the same messages; and arbitrary bytes
// repaired as the chat repairs typed text (assign_typed_text) are always written in a readable form.
#include "fuzz_support.h"
#include "sprig/chat_json.h"

using namespace sprig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    StoredMessage typed{"user", ""};
    assign_typed_text(typed.content, {reinterpret_cast<const char*>(data), size});
    auto read = parse_chat_json(format_chat_json({&typed, 1}));
    if (!read || read.value().size() != 1 || read.value()[0].content != typed.content)
      fuzz::fail("repaired typed text does not read back");
  }
  auto messages = parse_chat_json({reinterpret_cast<const char*>(data), size});
  if (!messages) {
    if (messages.error().message().size() > 4096) fuzz::fail("error message over 4 KB");
    return 0;
  }
  const std::string written = format_chat_json(messages.value());
  auto again = parse_chat_json(written);
  if (!again) fuzz::fail("written conversation is refused: " + again.error().message());
  if (again.value().size() != messages.value().size()) fuzz::fail("message count changed");
  for (size_t i = 0; i < again.value().size(); ++i)
    if (again.value()[i].role != messages.value()[i].role || again.value()[i].content != messages.value()[i].content)
      fuzz::fail("a message changed in the round trip");
  (void)chat_messages(messages.value());
  return 0;
}
