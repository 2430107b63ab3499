// The hand-written scanners of the split patterns, against splits worked out from the regexes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "pretokenizer.h"

using namespace sprig;

namespace {

std::vector<std::string> split(PreTokenizer kind, std::string_view text) {
  std::vector<uint32_t> ends;
  pre_tokenize(kind, text, ends);
  std::vector<std::string> chunks;
  uint32_t start = 0;
  for (uint32_t end : ends) {
    REQUIRE(end > start);
    chunks.emplace_back(text.substr(start, end - start));
    start = end;
  }
  CHECK(start == text.size());  // the chunks cover the text
  return chunks;
}

using Chunks = std::vector<std::string>;

}  // namespace

TEST_CASE("GPT-2: contractions, a space joins the next word, the last space of a run waits for a word") {
  CHECK(split(PreTokenizer::Gpt2, "Hello world") == Chunks{"Hello", " world"});
  CHECK(split(PreTokenizer::Gpt2, "it's   3.14!\n") == Chunks{"it", "'s", "  ", " 3", ".", "14", "!", "\n"});
  CHECK(split(PreTokenizer::Gpt2, "I'LL go") == Chunks{"I", "'", "LL", " go"});  // case-sensitive
  CHECK(split(PreTokenizer::Gpt2, "a \tb") == Chunks{"a", " ", "\t", "b"});
  CHECK(split(PreTokenizer::Gpt2, "x  ") == Chunks{"x", "  "});  // trailing spaces stay together
  CHECK(split(PreTokenizer::Gpt2, "Привет мир") == Chunks{"Привет", " мир"});
}

TEST_CASE("Qwen2 and Llama-3: one vs up to three digits, a punctuation mark may lead a word, line breaks") {
  CHECK(split(PreTokenizer::Qwen2, "12345") == Chunks{"1", "2", "3", "4", "5"});
  CHECK(split(PreTokenizer::Llama3, "12345") == Chunks{"123", "45"});
  CHECK(split(PreTokenizer::Qwen2, "I'LL (go)") == Chunks{"I", "'LL", " (", "go", ")"});
  CHECK(split(PreTokenizer::Qwen2, "\"quoted\" x") == Chunks{"\"quoted", "\"", " x"});
  CHECK(split(PreTokenizer::Qwen2, "a;\n\n  b") == Chunks{"a", ";\n\n", " ", " b"});
  CHECK(split(PreTokenizer::Qwen2, "a \n \n  b") == Chunks{"a", " \n \n", " ", " b"});
  CHECK(split(PreTokenizer::Qwen2, "\tword") == Chunks{"\tword"});
}

TEST_CASE("Falcon: punctuation runs, digit runs and triples, on byte-level characters") {
  CHECK(split(PreTokenizer::Falcon, "1234567") == Chunks{"123", "456", "7"});
  CHECK(split(PreTokenizer::Falcon, "Hi!?, you") == Chunks{"Hi", "!?,", " you"});
  CHECK(split(PreTokenizer::Falcon, "ab12cd") == Chunks{"ab", "12", "cd"});
  // "½" is C2 BD; GPT-2's map shows BD as "½", a number, so the byte stands alone.
  CHECK(split(PreTokenizer::Falcon, " \xc2\xbd") == Chunks{" \xc2", "\xbd"});
}

TEST_CASE("SmolLM: every digit alone, then GPT-2's pattern") {
  CHECK(split(PreTokenizer::SmolLm, "abc 2024") == Chunks{"abc", " ", "2", "0", "2", "4"});
}

TEST_CASE("invalid UTF-8 and empty text split without loss") {
  for (PreTokenizer kind : {PreTokenizer::Gpt2, PreTokenizer::Qwen2, PreTokenizer::Llama3, PreTokenizer::Falcon,
                            PreTokenizer::SmolLm, PreTokenizer::Whole}) {
    CHECK(split(kind, "").empty());
    const Chunks chunks = split(kind, "a\xff\xfe b\xe4\xb8");
    std::string joined;
    for (const std::string& c : chunks) joined += c;
    CHECK(joined == "a\xff\xfe b\xe4\xb8");
  }
}
