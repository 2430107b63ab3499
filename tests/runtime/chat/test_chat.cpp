// Multi-turn chat on the chat-tuned stories260K-chat: later turns prefill only their own tokens
// (the session's counter says so), full contexts drop the oldest turns but keep the system
// prompt, and a saved session resumes to the same replies; damaged or foreign files are refused.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>

#include "sprig/chat.h"
#include "test_support.h"

using namespace sprig;

namespace {

struct ChatModel {
  std::shared_ptr<const Model> model;
  std::unique_ptr<Tokenizer> tokenizer;
  std::unique_ptr<ChatFormatter> formatter;
};

ChatModel open_chat_model(const std::string& shared, const std::string& dir) {
  ChatModel m;
  const std::string path =
      test::convert(shared + "/models/stories260K-chat/stories260K-chat.gguf", "", dir + "/chat.sprig");
  auto model = Model::open(path);
  REQUIRE_MESSAGE(model, (model ? "" : model.error().message()));
  m.model = model.value();
  m.tokenizer = std::make_unique<Tokenizer>(m.model->vocab());
  m.formatter = std::make_unique<ChatFormatter>(*m.model, *m.tokenizer);
  return m;
}

Session::Ptr new_session(const ChatModel& m, uint32_t context = 512) {
  SessionOptions options;
  options.context_length = context;
  auto session = Session::create(m.model, options);
  REQUIRE_MESSAGE(session, (session ? "" : session.error().message()));
  return std::move(session.value());
}

std::string first_sentence(const std::string& text) { return text.substr(0, text.find('.')); }

const TokenSink kQuiet = [](int32_t, std::string_view) { return true; };

}  // namespace

TEST_CASE("a second turn prefills only its own tokens and continues the cached story") {
  const std::string shared = test::shared_dir("chat turns");
  if (shared.empty()) return;
  const ChatModel m = open_chat_model(shared, test::work_dir("chat_turns"));
  auto session = new_session(m);
  Sampler sampler({}, m.tokenizer->vocab_size());
  Chat chat(*session, *m.tokenizer, *m.formatter, sampler);
  chat.set_messages({{"system", "You are a kind storyteller."}});

  std::string streamed;
  auto first = chat.turn("Tell me a story about a dog named Max.", 200, [&](int32_t, std::string_view text) {
    streamed += text;
    return true;
  });
  REQUIRE_MESSAGE(first, (first ? "" : first.error().message()));
  CHECK(first->stop == StopReason::EndOfSequence);  // <|im_end|>, not the token limit
  REQUIRE(chat.messages().size() == 3);
  const std::string reply = chat.messages()[2].content;
  CHECK(reply == streamed);
  CHECK(first_sentence(reply).find("Max") != std::string::npos);
  CHECK(reply.find("im_end") == std::string::npos);
  CHECK(session->position() == chat.cached_tokens().size());
  CHECK(session->prefilled_tokens() == first->prefilled_tokens);

  // What turn two must add: <|im_end|>, "\n", the user turn and the generation prompt.
  std::vector<StoredMessage> next(chat.messages().begin(), chat.messages().end());
  next.push_back({"user", "Now tell me what happened next."});
  const auto views = chat_messages(next);
  std::vector<int32_t> expected_new, whole;
  ChatFormatter::Workspace workspace;
  REQUIRE(m.formatter->render_tokens(views, 3, true, expected_new, workspace));
  REQUIRE(m.formatter->render_tokens(views, 0, true, whole, workspace));
  CHECK(expected_new.front() == 513);

  const uint64_t prefilled_before = session->prefilled_tokens();
  const uint32_t position_before = session->position();
  auto second = chat.turn("Now tell me what happened next.", 200, kQuiet);
  REQUIRE(second);
  CHECK(session->prefilled_tokens() - prefilled_before == expected_new.size());
  CHECK(second->prefilled_tokens == expected_new.size());
  CHECK(expected_new.size() < whole.size() / 2);
  // The first turn's tokens are still there, untouched.
  CHECK(chat.cached_tokens().size() == position_before + expected_new.size() + second->generated_tokens);
  CHECK(first_sentence(chat.messages()[4].content).find("Max") != std::string::npos);
}

TEST_CASE("a full context drops the oldest turns by a context shift, keeps the system prompt and says so") {
  const std::string shared = test::shared_dir("chat context");
  if (shared.empty()) return;
  const ChatModel m = open_chat_model(shared, test::work_dir("chat_context"));
  auto session = new_session(m, 200);
  Sampler sampler({}, m.tokenizer->vocab_size());
  Chat chat(*session, *m.tokenizer, *m.formatter, sampler);
  chat.set_messages({{"system", "You tell short stories for kids."}});
  std::vector<int32_t> system_tokens;
  uint32_t dropped = 0, drop_turns = 0;
  for (const char* ask : {"Tell me a story about a cat named Lily.", "Tell me a story about a dog named Tom.",
                          "Tell me a story about a girl named Mia.", "Tell me a story about a boy named Ben.",
                          "Tell me a story about a bird named Sam."}) {
    const uint64_t prefilled_before = session->prefilled_tokens();
    auto stats = chat.turn(ask, 40, kQuiet);
    REQUIRE_MESSAGE(stats, (stats ? "" : stats.error().message()));
    if (system_tokens.empty()) {
      // BOS, then the system turn up to the user's <|im_start|>.
      const auto cached = chat.cached_tokens();
      const auto user = std::find(cached.begin() + 2, cached.end(), 512);
      system_tokens.assign(cached.begin(), user);
    }
    dropped += stats->dropped_messages;
    if (stats->dropped_messages) {
      ++drop_turns;
      // Dropped by shifting the cache: only the new turn was computed, not the kept conversation.
      CHECK(session->prefilled_tokens() - prefilled_before == stats->prefilled_tokens);
      CHECK(stats->prefilled_tokens < 60);
    }
    CHECK(session->position() <= session->context_length());
    CHECK(session->position() == chat.cached_tokens().size());
    // Whole turns: every message still opens with <|im_start|>, all but the last reply are closed.
    const auto cached = chat.cached_tokens();
    CHECK(size_t(std::count(cached.begin(), cached.end(), 512)) == chat.messages().size());
    CHECK(size_t(std::count(cached.begin(), cached.end(), 513)) == chat.messages().size() - 1);
    CHECK(std::equal(system_tokens.begin(), system_tokens.end(), cached.begin()));
  }
  CHECK(dropped > 0);
  CHECK(drop_turns > 0);
  CHECK(chat.messages()[0].role == "system");
  CHECK(chat.messages()[0].content == "You tell short stories for kids.");
  CHECK(chat.messages()[chat.messages().size() - 2].content == "Tell me a story about a bird named Sam.");

  // A single message longer than the context is an error, not a crash.
  auto tiny = new_session(m, 16);
  Chat small(*tiny, *m.tokenizer, *m.formatter, sampler);
  auto refused = small.turn("Tell me a story about a dog named Max who finds a blue kite at the park.", 10, kQuiet);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("do not fit the context") != std::string::npos);
  CHECK(small.messages().empty());  // the refused message is not left unanswered
}

TEST_CASE("a saved session resumes to the same reply; foreign and damaged files are refused") {
  const std::string shared = test::shared_dir("chat sessions");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("chat_sessions");
  const ChatModel m = open_chat_model(shared, dir);
  Sampler sampler({}, m.tokenizer->vocab_size());

  auto a = new_session(m);
  Chat original(*a, *m.tokenizer, *m.formatter, sampler);
  original.set_messages({{"system", "You are a kind storyteller."}});
  REQUIRE(original.turn("Tell me a story about a cat named Lily.", 100, kQuiet));
  const std::string path = dir + "/state.kv";
  REQUIRE(original.save_state(path));

  auto b = new_session(m);
  Chat resumed(*b, *m.tokenizer, *m.formatter, sampler);
  const Status status = resumed.resume(path);
  REQUIRE_MESSAGE(status, status.message());
  CHECK(b->position() == a->position());
  CHECK(b->prefilled_tokens() == 0);  // nothing recomputed
  CHECK(resumed.messages().size() == 3);
  REQUIRE(original.turn("Now tell me what happened next.", 100, kQuiet));
  REQUIRE(resumed.turn("Now tell me what happened next.", 100, kQuiet));
  CHECK(resumed.messages().back().content == original.messages().back().content);
  CHECK(resumed.cached_tokens().size() == original.cached_tokens().size());

  // Another context length (so another cache layout) is named.
  auto other = new_session(m, 256);
  Chat wrong(*other, *m.tokenizer, *m.formatter, sampler);
  Status refused = wrong.resume(path);
  CHECK_FALSE(refused);
  CHECK(refused.message().find("context length 512 (this session: 256)") != std::string::npos);

  // A flipped byte anywhere fails the checksum; a cut file is truncated; neither is used.
  std::vector<uint8_t> bytes = test::read_file(path);
  for (size_t at : {bytes.size() / 2, bytes.size() - 20}) {
    std::vector<uint8_t> damaged = bytes;
    damaged[at] ^= 0x40;
    test::write_file(dir + "/damaged.kv", damaged);
    auto c = new_session(m);
    Chat broken(*c, *m.tokenizer, *m.formatter, sampler);
    refused = broken.resume(dir + "/damaged.kv");
    CHECK_FALSE(refused);
    CHECK(c->position() == 0);
  }
  bytes.resize(bytes.size() - 100);
  test::write_file(dir + "/cut.kv", bytes);
  auto d = new_session(m);
  Chat cut(*d, *m.tokenizer, *m.formatter, sampler);
  refused = cut.resume(dir + "/cut.kv");
  CHECK_FALSE(refused);
  CHECK(refused.message().find("truncated") != std::string::npos);
  test::write_file(dir + "/garbage.kv", {'n', 'o', 'p', 'e'});
  refused = cut.resume(dir + "/garbage.kv");
  CHECK(refused.message().find("not a sprig session file") != std::string::npos);
}

TEST_CASE("priming a system prompt caches it closed; the first turn adds only the user's part") {
  const std::string shared = test::shared_dir("chat prime");
  if (shared.empty()) return;
  const ChatModel m = open_chat_model(shared, test::work_dir("chat_prime"));
  Sampler sampler({}, m.tokenizer->vocab_size());
  auto a = new_session(m);
  Chat primed(*a, *m.tokenizer, *m.formatter, sampler);
  primed.set_messages({{"system", "You are a kind storyteller."}});
  REQUIRE(primed.prime());
  const size_t system_tokens = primed.cached_tokens().size();
  REQUIRE(primed.turn("Tell me a story about a dog named Max.", 100, kQuiet));

  auto b = new_session(m);
  Chat plain(*b, *m.tokenizer, *m.formatter, sampler);
  plain.set_messages({{"system", "You are a kind storyteller."}});
  REQUIRE(plain.turn("Tell me a story about a dog named Max.", 100, kQuiet));
  // The same tokens either way, so the same reply.
  CHECK(std::vector<int32_t>(primed.cached_tokens().begin(), primed.cached_tokens().end()) ==
        std::vector<int32_t>(plain.cached_tokens().begin(), plain.cached_tokens().end()));
  CHECK(a->prefilled_tokens() == b->prefilled_tokens());
  CHECK(system_tokens > 0);
}
