// The SentencePiece BPE tokenizer on stories260K's vocabulary.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "sprig/tokenizer.h"
#include "sprig/utf8_stream.h"
#include "test_support.h"

using namespace sprig;

namespace {

std::shared_ptr<const Model> stories_model(const std::string& shared) {
  static std::shared_ptr<const Model> model;
  if (!model) {
    const std::string dir = test::work_dir("tokenizer");
    auto opened = Model::open(test::convert(shared + "/models/stories260K/stories260K.gguf", "", dir + "/m.sprig"));
    REQUIRE(opened.ok());
    model = opened.value();
  }
  return model;
}

std::string decode_all(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
  Utf8Stream stream;
  std::string text;
  int32_t previous = -1;
  for (int32_t id : ids) {
    stream.push(tokenizer.decode(previous, id), text);
    previous = id;
  }
  stream.finish(text);
  return text;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

TEST_CASE("known words merge into the pieces the model generates") {
  const std::string shared = test::shared_dir("tokenizer words");
  if (shared.empty()) return;
  const Tokenizer tokenizer(stories_model(shared)->vocab());
  std::vector<int32_t> ids;
  tokenizer.encode("Once upon a time", true, ids);
  // llama2.c's greedy story starts with exactly these ids after BOS.
  CHECK(ids == std::vector<int32_t>{1, 403, 407, 261, 378});
  CHECK(tokenizer.piece(403) == "\xe2\x96\x81Once");
}

TEST_CASE("decode(encode(x)) == x, through byte fallback for characters the vocabulary lacks") {
  const std::string shared = test::shared_dir("tokenizer round trip");
  if (shared.empty()) return;
  const Tokenizer tokenizer(stories_model(shared)->vocab());
  for (const char* file : {"/eval/tinytales.txt", "/eval/multilingual.txt"}) {
    CAPTURE(file);
    const std::string text = read_text(shared + std::string(file));
    REQUIRE(!text.empty());
    std::vector<int32_t> ids;
    tokenizer.encode(text, true, ids);
    CHECK(decode_all(tokenizer, ids) == text);
  }
  std::vector<int32_t> korean;
  tokenizer.encode("안녕", false, korean);
  // Hangul is not in this 512-piece vocabulary: a space piece, then 3 byte tokens per syllable.
  CHECK(korean.size() == 7);
  CHECK(decode_all(tokenizer, korean) == "안녕");
}

TEST_CASE("empty text gives only BOS; control tokens decode to nothing") {
  const std::string shared = test::shared_dir("tokenizer empty");
  if (shared.empty()) return;
  const Tokenizer tokenizer(stories_model(shared)->vocab());
  std::vector<int32_t> ids;
  tokenizer.encode("", true, ids);
  CHECK(ids == std::vector<int32_t>{1});
  CHECK(tokenizer.decode(-1, tokenizer.eos_id()).empty());
  CHECK(tokenizer.decode(-1, 100000).empty());
}
