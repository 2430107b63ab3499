// What the runtime must hold on outside input (issue 14): merges in a model file never produce
// a control token from typed text, invalid UTF-8 typed into a chat is replaced at the door so
// everything the chat writes reads back, and the C API's handles outlive each other as sprig.h
// says. Each case failed before its fix.
#include <doctest/doctest.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <cmath>
#include <fstream>
#include <limits>

#include "checkpoint.h"
#include "model_generated.h"
#include "model_writer.h"
#include "sprig/chat.h"
#include "sprig/sprig.h"
#include "sprig/tokenizer.h"
#include "test_support.h"

using namespace sprig;

namespace {

// A tokenizer with ranked merges and no split (SentencePiece BPE as tokenizer.json gives it), whose
// merges spell "<|im_end|>" from plain pieces, the last merge's result being id 11.
convert::TokenizerData forging_tokenizer() {
  convert::TokenizerData t;
  t.kind = TokenizerKind::SentencePieceBpe;
  t.pre_tokenizer = PreTokenizer::Whole;
  t.add_bos = false;
  t.add_space_prefix = false;
  t.pieces = {"<", "|", "im", "_", "end", ">", "<|", "|>", "<|im", "<|im_", "<|im_end", "<|im_end|>", "en"};
  for (char c = 'a'; c <= 'z'; ++c) t.pieces.push_back(std::string(1, c));
  auto id = [&](const std::string& piece) {
    return int32_t(std::find(t.pieces.begin(), t.pieces.end(), piece) - t.pieces.begin());
  };
  t.scores.assign(t.pieces.size(), 0.0f);
  t.types.assign(t.pieces.size(), TokenType::Normal);
  t.merges = {{id("i"), id("m"), 2}, {id("e"), id("n"), 12}, {12, id("d"), 4}, {0, 1, 6}, {1, 5, 7},
              {6, 2, 8},            {8, 3, 9},               {9, 4, 10},       {10, 7, 11}};
  return t;
}

}  // namespace

TEST_CASE("a model file whose merge results in a control token cannot forge it from plain text") {
  const std::string dir = test::work_dir("runtime_control_merge");
  const std::string path = dir + "/forging.sprig";
  // The converter refuses such a tokenizer, so write it with the last piece normal and mark it a
  // control token in the file afterwards, as a hand-made or damaged file would have it.
  convert::write_tokenizer_model(forging_tokenizer(), "test", path);
  auto bytes = test::read_file(path);
  auto* model = flatbuffers::GetMutableSizePrefixedRoot<schema::Model>(bytes.data());
  model->mutable_tokenizer()->mutable_types()->Mutate(11, schema::TokenType::Control);
  test::write_file(path, bytes);

  auto opened = Model::open(path);
  REQUIRE_MESSAGE(opened, (opened ? "" : opened.error().message()));
  const Tokenizer tokenizer(opened.value()->vocab());
  std::vector<int32_t> ids;
  tokenizer.encode("<|im_end|>", false, ids);
  CHECK(std::find(ids.begin(), ids.end(), 11) == ids.end());
  std::string back;
  for (int32_t id : ids) back += tokenizer.decode(-1, id);
  CHECK(back == "<|im_end|>");
  // Merges into ordinary pieces still apply.
  CHECK(std::find(ids.begin(), ids.end(), 10) != ids.end());
}

TEST_CASE("invalid UTF-8 typed into a chat becomes U+FFFD, and what the chat writes reads back") {
  const std::string shared = test::shared_dir("chat invalid UTF-8");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("runtime_chat_utf8");
  const std::string path =
      test::convert(shared + "/models/stories260K-chat/stories260K-chat.gguf", "", dir + "/chat.sprig");
  auto model = Model::open(path);
  REQUIRE(model);
  const Tokenizer tokenizer(model.value()->vocab());
  const ChatFormatter formatter(*model.value(), tokenizer);
  SessionOptions options;
  options.context_length = 256;
  auto session = Session::create(model.value(), options);
  REQUIRE(session);
  Sampler sampler({}, tokenizer.vocab_size());
  Chat chat(*session.value(), tokenizer, formatter, sampler);
  chat.set_messages({{"system", "Be kind.\xff"}});
  auto turn = chat.turn(std::string_view("Hi \xc3\x28 there \xed\xa0\x80 \0 \xf0\x9f", 20), 8, [](int32_t, std::string_view) { return true; });
  REQUIRE_MESSAGE(turn, (turn ? "" : turn.error().message()));
  CHECK(chat.messages()[0].content == "Be kind.\xef\xbf\xbd");
  CHECK(chat.messages()[1].content.find("Hi \xef\xbf\xbd( there ") == 0);
  CHECK(chat.messages()[1].content.find('\0') == std::string::npos);  // the reader refuses NUL
  const std::string written = format_chat_json(chat.messages());
  auto read_back = parse_chat_json(written);
  REQUIRE_MESSAGE(read_back, (read_back ? "" : read_back.error().message()));
  CHECK(read_back.value()[1].content == chat.messages()[1].content);
  // The session file keeps the conversation; a resume reads it back.
  REQUIRE(chat.save_state(dir + "/chat.session"));
  Chat resumed(*session.value(), tokenizer, formatter, sampler);
  const Status status = resumed.resume(dir + "/chat.session");
  CHECK_MESSAGE(status, status.message());
}

TEST_CASE("C API: a chat keeps its session alive past sprig_session_destroy") {
  const std::string shared = test::shared_dir("c api lifetimes");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("runtime_c_api_lifetimes");
  const std::string path =
      test::convert(shared + "/models/stories260K-chat/stories260K-chat.gguf", "", dir + "/chat.sprig");
  sprig_model* model = nullptr;
  REQUIRE(sprig_model_open(path.c_str(), &model) == SPRIG_OK);
  sprig_session_options options;
  sprig_session_options_init(&options);
  options.context_length = 128;
  sprig_session* session = nullptr;
  REQUIRE(sprig_session_create(model, &options, nullptr, 0, &session) == SPRIG_OK);
  sprig_model_close(model);  // the session keeps the model
  sprig_chat* chat = nullptr;
  REQUIRE(sprig_chat_create(session, &chat) == SPRIG_OK);
  sprig_session_destroy(session);  // the chat keeps the session (ASan reports a use after free otherwise)
  sprig_chat_stats stats{};
  CHECK(sprig_chat_turn(chat, "Hello", 5, 4, nullptr, nullptr, &stats) == SPRIG_OK);
  CHECK(stats.generated_tokens > 0);
  sprig_chat_destroy(chat);  // frees the session too (LeakSanitizer checks)
}

TEST_CASE("C API: enum options outside their range are refused without loading them as enums") {
  const std::string shared = test::shared_dir("c api enums");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("runtime_c_api_enums");
  const std::string path = test::convert(shared + "/models/stories260K/stories260K.bin",
                                         shared + "/models/stories260K/tok512.bin", dir + "/m.sprig");
  sprig_model* model = nullptr;
  REQUIRE(sprig_model_open(path.c_str(), &model) == SPRIG_OK);
  for (int field = 0; field < 3; ++field) {
    sprig_session_options options;
    sprig_session_options_init(&options);
    const int bad = 77;  // as a C caller may store it; UBSan's enum check flags a load as the enum
    if (field == 0) std::memcpy(&options.kv_cache, &bad, sizeof bad);
    if (field == 1) std::memcpy(&options.on_context_full, &bad, sizeof bad);
    if (field == 2) std::memcpy(&options.backend, &bad, sizeof bad);
    size_t bytes = 0;
    CHECK(sprig_session_bytes(model, &options, &bytes) == SPRIG_ERROR_INVALID_ARGUMENT);
  }
  sprig_model_close(model);
}

TEST_CASE("a session file claiming 1 GB of extra data is refused as truncated before anything is allocated") {
  const std::string shared = test::shared_dir("session extra data");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("runtime_session_extra");
  const std::string path = test::convert(shared + "/models/stories260K/stories260K.bin",
                                         shared + "/models/stories260K/tok512.bin", dir + "/m.sprig");
  auto model = Model::open(path);
  REQUIRE(model);
  SessionOptions options;
  options.context_length = 16;
  auto session = Session::create(model.value(), options);
  REQUIRE(session);
  const std::vector<int32_t> tokens = {1, 2, 3};
  REQUIRE(session.value()->prefill(tokens));
  REQUIRE(session.value()->save_state(dir + "/s.session", tokens, "extra"));
  auto bytes = test::read_file(dir + "/s.session");
  // The header after the 8-byte magic: two u64, eight u32, then extra_bytes (u64) at offset 48.
  const uint64_t claimed = uint64_t(1) << 30;
  std::memcpy(bytes.data() + 8 + 48, &claimed, sizeof claimed);
  test::write_file(dir + "/s.session", bytes);
  std::string extra;
  auto loaded = session.value()->load_state(dir + "/s.session", extra);
  REQUIRE(!loaded);
  CHECK(loaded.error().message().find("truncated: the header claims 1073741824 bytes of extra data") != std::string::npos);
  CHECK(extra.capacity() < 4096);  // before: 1 GB assigned, then "truncated"
  CHECK(session.value()->position() == 0);
}

TEST_CASE("NaN weights run through the quantized kernels without out-of-range int8 conversions (UBSan checks)") {
  const std::string shared = test::shared_dir("NaN weights");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("runtime_nan_weights");
  const std::string path = test::convert(shared + "/models/stories260K/stories260K.bin",
                                         shared + "/models/stories260K/tok512.bin", dir + "/q8.sprig", DType::Q8);
  // The fuzzer's finding: a model file whose attention norm holds NaN. Find that norm's bytes in
  // the file through a model opened from our own copy of them.
  auto bytes = test::read_file(path);
  size_t norm_offset = 0, norm_bytes = 0;
  {
    std::vector<uint8_t> copy(bytes.size() + 64);
    uint8_t* aligned = copy.data() + (64 - reinterpret_cast<uintptr_t>(copy.data()) % 64) % 64;
    std::memcpy(aligned, bytes.data(), bytes.size());
    auto model = Model::from_buffer(aligned, bytes.size());
    REQUIRE_MESSAGE(model, (model ? "" : model.error().message()));
    const TensorView& norm = model.value()->layers()[0].attn_norm;
    REQUIRE(norm.dtype == DType::F32);
    norm_offset = size_t(static_cast<const uint8_t*>(norm.data) - aligned);
    norm_bytes = norm.rows * sizeof(float);
  }
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (size_t at = norm_offset; at < norm_offset + norm_bytes; at += sizeof nan) std::memcpy(bytes.data() + at, &nan, sizeof nan);
  test::write_file(dir + "/nan.sprig", bytes);
  auto model = Model::open(dir + "/nan.sprig");
  REQUIRE_MESSAGE(model, (model ? "" : model.error().message()));
  SessionOptions options;
  options.context_length = 16;
  auto session = Session::create(model.value(), options);
  REQUIRE(session);
  const std::vector<int32_t> tokens = {1, 403, 407, 261};
  REQUIRE(session.value()->prefill(tokens));  // the batched gemm path
  REQUIRE(session.value()->decode(300));      // the matvec path
  // Garbage in, garbage out, but defined: before, cvtps gave INT32_MIN per value and the block
  // sums overflowed (gemm_x86.inl), and the scalar tail converted NaN to int8.
  CHECK(session.value()->logits().size() == 512);
}
