// The GGUF reader's memory bound (issue 14, docs/fuzzing.md): metadata stays in the mapped file,
// so whatever its arrays claim, opening a GGUF allocates at most its own bytes plus a constant
// (3 times the bytes of its tensor descriptions). Before, every array element cost a 40-byte
// variant and 1- and 2-byte arrays were capped at 65536 elements.
#include <doctest/doctest.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "checkpoint.h"
#include "gguf_file.h"
#include "test_support.h"
#include "tokenizer_support.h"
#ifndef SPRIG_NO_ALLOCATION_COUNTER
#include "allocation_counter.h"
#endif

using namespace sprig;

namespace {

constexpr size_t kConstantBytes = 64 * 1024;  // the path, the mapping, an error message

template <typename T>
void put(std::vector<uint8_t>& out, T value) {
  out.resize(out.size() + sizeof value);
  std::memcpy(out.data() + out.size() - sizeof value, &value, sizeof value);
}
void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}
std::vector<uint8_t> header(uint64_t tensors, uint64_t entries) {
  std::vector<uint8_t> out = {'G', 'G', 'U', 'F'};
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors);
  put<uint64_t>(out, entries);
  return out;
}
void put_array_head(std::vector<uint8_t>& out, const std::string& key, uint32_t element_type, uint64_t count) {
  put_string(out, key);
  put<uint32_t>(out, convert::kGgufArray);
  put<uint32_t>(out, element_type);
  put<uint64_t>(out, count);
}

std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = test::work_dir("gguf_memory_bound") + "/" + name;
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return path;
}

struct Outcome {
  std::string error;  // "" when the file was accepted
  size_t bytes = 0;   // allocated while opening it (0 where the counter cannot run)
};

template <typename Action>
Outcome measure(Action action) {
  Outcome outcome;
#ifndef SPRIG_NO_ALLOCATION_COUNTER
  test::AllocationCounter counter;
#endif
  try {
    action();
  } catch (const convert::ConvertError& e) {
    outcome.error = e.what();
  }
#ifndef SPRIG_NO_ALLOCATION_COUNTER
  outcome.bytes = counter.bytes();
#endif
  return outcome;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct ElementType {
  uint32_t id;
  const char* name;
  uint64_t bytes;  // of one element as written below: strings empty, nested arrays empty
};
const ElementType kElementTypes[] = {
    {convert::kGgufU8, "u8", 1},   {convert::kGgufI8, "i8", 1},     {convert::kGgufU16, "u16", 2},
    {convert::kGgufI16, "i16", 2}, {convert::kGgufU32, "u32", 4},   {convert::kGgufI32, "i32", 4},
    {convert::kGgufU64, "u64", 8}, {convert::kGgufI64, "i64", 8},   {convert::kGgufF32, "f32", 4},
    {convert::kGgufF64, "f64", 8}, {convert::kGgufBool, "bool", 1}, {convert::kGgufString, "string", 8},
    {convert::kGgufArray, "array", 12}};

constexpr size_t kFileBytes = 1 << 20;

}  // namespace

TEST_CASE("a GGUF claiming huge metadata arrays is refused by name, allocating no more than its bytes") {
  for (const ElementType& type : kElementTypes)
    for (uint64_t claim : {uint64_t(1) << 40, ~uint64_t(0), uint64_t(kFileBytes)}) {
      CAPTURE(type.name);
      CAPTURE(claim);
      std::vector<uint8_t> bytes = header(0, 1);
      put_array_head(bytes, "huge", type.id, claim);
      bytes.resize(kFileBytes);
      const std::string path = write_file(std::string("claim_") + type.name + ".gguf", bytes);
      const Outcome outcome = measure([&] { convert::GgufFile gguf(path); });
      CHECK(contains(outcome.error, path + ": "));
      CHECK((contains(outcome.error, "elements is larger than the file") ||
             contains(outcome.error, "nested metadata arrays are not supported")));
      CHECK(outcome.bytes <= bytes.size() + kConstantBytes);
    }
}

TEST_CASE("GGUF metadata arrays filling the file are read in place: no per-element memory and no length cap") {
  for (const ElementType& type : kElementTypes) {
    CAPTURE(type.name);
    std::vector<uint8_t> bytes = header(0, 1);
    const uint64_t count = (kFileBytes - 64) / type.bytes;  // far more than the former 65536 cap
    put_array_head(bytes, "filled", type.id, count);
    for (uint64_t i = 0; i < count; ++i) {
      if (type.id == convert::kGgufArray) {
        put<uint32_t>(bytes, convert::kGgufU8);
        put<uint64_t>(bytes, 0);
      } else {
        // Element i holds the low bytes of i (an empty string's length is 0 whatever i is).
        const uint64_t value = type.id == convert::kGgufString ? 0 : i;
        bytes.insert(bytes.end(), reinterpret_cast<const uint8_t*>(&value),
                     reinterpret_cast<const uint8_t*>(&value) + type.bytes);
      }
    }
    const std::string path = write_file(std::string("filled_") + type.name + ".gguf", bytes);
    uint64_t size = 0;
    const Outcome outcome = measure([&] { size = convert::GgufFile(path).get_array("filled").size(); });
    if (type.id == convert::kGgufArray) {
      CHECK(contains(outcome.error, path + ": nested metadata arrays are not supported"));
    } else {
      CHECK(outcome.error == "");
      CHECK(size == count);
    }
    CHECK(outcome.bytes <= bytes.size() + kConstantBytes);
  }
}

TEST_CASE("typed GGUF array accessors read the elements in place") {
  std::vector<uint8_t> bytes = header(0, 3);
  put_array_head(bytes, "i16", convert::kGgufI16, 3);
  for (int16_t v : {int16_t(-7), int16_t(300), int16_t(-32768)}) put<int16_t>(bytes, v);
  put_array_head(bytes, "f32", convert::kGgufF32, 2);
  for (float v : {0.5f, -2.25f}) put<float>(bytes, v);
  put_array_head(bytes, "strings", convert::kGgufString, 3);
  for (const char* s : {"a", "", "héllo"}) put_string(bytes, s);
  const convert::GgufFile gguf(write_file("typed.gguf", bytes));
  const convert::GgufArray i16 = gguf.get_array("i16");
  REQUIRE(i16.holds_signed());
  CHECK(i16.signed_at(0) == -7);
  CHECK(i16.signed_at(1) == 300);
  CHECK(i16.signed_at(2) == -32768);
  const convert::GgufArray f32 = gguf.get_array("f32");
  REQUIRE(f32.holds_floats());
  CHECK(f32.float_at(0) == 0.5);
  CHECK(f32.float_at(1) == -2.25);
  std::vector<std::string> strings;
  gguf.get_array("strings").for_each_string([&](std::string_view s) { strings.emplace_back(s); });
  CHECK(strings == std::vector<std::string>{"a", "", "héllo"});
}

TEST_CASE("a GGUF of many small key/values or tensor descriptions stays within the stated bound") {
  SUBCASE("key/values: one 8-byte offset each for the 13 bytes each takes") {
    std::vector<uint8_t> bytes = header(0, 0);
    uint64_t entries = 0;
    while (bytes.size() + 32 < kFileBytes) {
      put_string(bytes, std::to_string(entries++));
      put<uint32_t>(bytes, convert::kGgufU8);
      put<uint8_t>(bytes, 1);
    }
    std::memcpy(bytes.data() + 16, &entries, 8);
    const std::string path = write_file("many_keys.gguf", bytes);
    const Outcome outcome = measure([&] { CHECK(convert::GgufFile(path).get_uint("12345") == 1); });
    MESSAGE(entries << " key/values in " << bytes.size() << " bytes: " << outcome.bytes << " bytes allocated");
    CHECK(outcome.error == "");
    CHECK(outcome.bytes <= bytes.size() + kConstantBytes);
  }
  SUBCASE("tensor descriptions: at most 3 times their bytes") {
    std::vector<uint8_t> bytes = header(0, 1);
    put_string(bytes, "general.alignment");
    put<uint32_t>(bytes, convert::kGgufU32);
    put<uint32_t>(bytes, 4);
    uint64_t tensors = 0;
    while (bytes.size() + 64 < kFileBytes * 3 / 4) {
      put_string(bytes, std::to_string(tensors));
      put<uint32_t>(bytes, 1);
      put<uint64_t>(bytes, 1);
      put<uint32_t>(bytes, 0);  // f32: 4 bytes of data each
      put<uint64_t>(bytes, 4 * tensors++);
    }
    std::memcpy(bytes.data() + 8, &tensors, 8);
    const size_t descriptions = bytes.size();
    bytes.resize((bytes.size() + 3) / 4 * 4 + 4 * tensors);
    const std::string path = write_file("many_tensors.gguf", bytes);
    const Outcome outcome = measure([&] { CHECK(convert::GgufFile(path).tensors().size() == tensors); });
    MESSAGE(tensors << " tensors in " << descriptions << " bytes of descriptions: " << outcome.bytes << " bytes allocated");
    CHECK(outcome.error == "");
    CHECK(outcome.bytes <= 3 * descriptions + kConstantBytes);
  }
}

TEST_CASE("a GGUF vocabulary of 200000 tokens with 1-byte token types converts (formerly capped at 65536)") {
  constexpr uint64_t n = 200000;
  std::vector<uint8_t> bytes = header(0, 3);
  put_string(bytes, "tokenizer.ggml.model");
  put<uint32_t>(bytes, convert::kGgufString);
  put_string(bytes, "llama");
  put_array_head(bytes, "tokenizer.ggml.tokens", convert::kGgufString, n);
  for (uint64_t i = 0; i < n; ++i) put_string(bytes, "t" + std::to_string(i));
  put_array_head(bytes, "tokenizer.ggml.token_type", convert::kGgufI8, n);
  for (uint64_t i = 0; i < n; ++i) put<int8_t>(bytes, i % 1000 == 3 ? 3 : 1);  // some control tokens
  const std::string path = write_file("vocab.gguf", bytes);
  convert::TokenizerData tokenizer;
  const Outcome outcome = measure([&] { tokenizer = convert::read_gguf_tokenizer(path); });
  MESSAGE("a vocabulary of " << bytes.size() << " bytes: " << outcome.bytes << " bytes allocated");
  REQUIRE(outcome.error == "");
  // A piece: a 32-byte std::string (its bytes inline up to 15), a float score, a 1-byte type, for
  // the at least 9 bytes (length, type) it takes in the file.
  CHECK(outcome.bytes <= 5 * bytes.size() + kConstantBytes);
  REQUIRE(tokenizer.pieces.size() == n);
  CHECK(tokenizer.pieces[n - 1] == "t199999");
  CHECK(tokenizer.types[199003] == TokenType(3));
  CHECK(tokenizer.types[199004] == TokenType(1));
  CHECK(tokenizer.scores.size() == n);
}
