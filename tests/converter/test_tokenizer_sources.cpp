// The converter's tokenizer readers: a small tokenizer.json written here checks merges and the
// vocab-only file; unknown split patterns, normalizers and models are errors that name them.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "checkpoint.h"
#include "model_writer.h"
#include "sprig/session.h"
#include "sprig/tokenizer.h"
#include "test_support.h"

using namespace sprig;
using nlohmann::json;

namespace {

// A byte-level tokenizer.json over 256 byte pieces plus merges of "l o", "lo w", "Ġ lo".
json tiny_tokenizer() {
  json vocab = json::object();
  std::vector<std::string> bytes;
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    const int c = printable ? b : next++;
    std::string utf8;
    if (c < 0x80) utf8 = std::string(1, char(c));
    else utf8 = {char(0xc0 | (c >> 6)), char(0x80 | (c & 0x3f))};
    bytes.push_back(utf8);
  }
  for (size_t i = 0; i < bytes.size(); ++i) vocab[bytes[i]] = i;
  vocab["lo"] = 256;
  vocab["low"] = 257;
  vocab["\xc4\xa0lo"] = 258;
  vocab["<|end|>"] = 259;
  return json{{"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"l o", "lo w", "\xc4\xa0 lo"}}}},
              {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
              {"normalizer", nullptr},
              {"added_tokens", {{{"id", 259}, {"content", "<|end|>"}, {"special", true}}}}};
}

std::string write_json(const std::string& dir, const json& value) {
  const std::string path = dir + "/tokenizer.json";
  std::ofstream(path) << value.dump();
  return path;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const convert::ConvertError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a byte-level tokenizer.json becomes a vocab-only model file that encodes by merge rank") {
  const std::string dir = test::work_dir("tokenizer_sources_tiny");
  const std::string path = write_json(dir, tiny_tokenizer());
  auto model = test::tokenizer_model(path, dir + "/tiny.sprig");
  CHECK(model->vocab_only());
  CHECK(model->vocab().kind == TokenizerKind::ByteLevelBpe);
  CHECK(model->vocab().pre_tokenizer == PreTokenizer::Gpt2);
  CHECK(model->vocab().merges.size() == 3);
  const Tokenizer tokenizer(model->vocab());
  std::vector<int32_t> ids;
  tokenizer.encode("low lo<|end|>", false, ids);
  // "low" by two merges; " lo" by its own merge; the control token's text stays bytes.
  CHECK(ids == std::vector<int32_t>{257, 258, '<', '|', 'e', 'n', 'd', '|', '>'});
  CHECK(std::string(tokenizer.decode(-1, 258)) == " lo");
  auto session = Session::create(model);
  CHECK(!session.ok());  // no weights to run
}

TEST_CASE("unknown split patterns, normalizers and models are conversion errors that name them") {
  const std::string dir = test::work_dir("tokenizer_sources_errors");
  json split = tiny_tokenizer();
  split["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "\\w+|\\d"}}}, {"behavior", "Isolated"}};
  CHECK(error_of([&] { convert::read_tokenizer_source(write_json(dir, split)); }).find("\\w+|\\d") != std::string::npos);

  json bytelevel_prefix = tiny_tokenizer();
  bytelevel_prefix["pre_tokenizer"]["add_prefix_space"] = true;
  CHECK(error_of([&] { convert::read_tokenizer_source(write_json(dir, bytelevel_prefix)); }).find("add_prefix_space") !=
        std::string::npos);

  json nfd = tiny_tokenizer();
  nfd["normalizer"] = {{"type", "NFD"}};
  CHECK(error_of([&] { convert::read_tokenizer_source(write_json(dir, nfd)); }).find("NFD") != std::string::npos);

  json wordpiece = tiny_tokenizer();
  wordpiece["model"]["type"] = "WordPiece";
  CHECK(error_of([&] { convert::read_tokenizer_source(write_json(dir, wordpiece)); }).find("WordPiece") !=
        std::string::npos);

  json bad_merge = tiny_tokenizer();
  bad_merge["model"]["merges"].push_back("lo x");
  CHECK(error_of([&] { convert::read_tokenizer_source(write_json(dir, bad_merge)); }).find("lox") != std::string::npos);
}

TEST_CASE("a GGUF WordPiece vocabulary is refused by name; a llama2.c tokenizer reads without a model") {
  const std::string shared = test::shared_dir("tokenizer sources from shared data");
  if (shared.empty()) return;
  CHECK(error_of([&] { convert::read_tokenizer_source(shared + "/tokenizers/llama.cpp-vectors/ggml-vocab-bert-bge.gguf"); })
            .find("'bert'") != std::string::npos);
  const convert::TokenizerData tok512 = convert::read_tokenizer_source(shared + "/models/stories260K/tok512.bin");
  CHECK(tok512.pieces.size() == 512);
}
