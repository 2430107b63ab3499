// Inputs an attacker or a broken export would give the converter: each is refused with a
// ConvertError naming the file and the field, never a crash, an unbounded allocation or a silent
// acceptance (issue 14). Each case failed before the fix it guards.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkpoint.h"
#include "hf_config.h"
#include "safetensors_file.h"
#include "test_support.h"

using namespace sprig;
namespace fs = std::filesystem;

namespace {

// The message of the ConvertError `action` throws; "" when it throws none. Any other exception
// (std::bad_alloc, a JSON library error) fails the test: it names no file.
template <typename Action>
std::string error_of(Action action) {
  try {
    action();
  } catch (const convert::ConvertError& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("not a ConvertError: " << e.what());
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string tokenizer_json(const std::string& vocab, const std::string& added = "[]", const std::string& merges = "[]") {
  return R"({"model": {"type": "BPE", "vocab": )" + vocab + R"(, "merges": )" + merges +
         R"(}, "added_tokens": )" + added +
         R"(, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}})";
}

template <typename T>
void put(std::vector<uint8_t>& out, T value) {
  out.resize(out.size() + sizeof value);
  std::memcpy(out.data() + out.size() - sizeof value, &value, sizeof value);
}
void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

// A GGUF file: llama metadata (every key a u32 unless given otherwise) and f32 tensors of
// `dims` at the given relative offsets.
struct GgufTensorSpec {
  std::string name;
  std::vector<uint64_t> dims;
  uint64_t offset;
};
std::vector<uint8_t> gguf(const std::vector<std::pair<std::string, uint32_t>>& u32s, const std::vector<GgufTensorSpec>& tensors,
                          size_t data_bytes, float eps = 1e-5f) {
  std::vector<uint8_t> out = {'G', 'G', 'U', 'F'};
  put<uint32_t>(out, 3);
  put<uint64_t>(out, tensors.size());
  put<uint64_t>(out, u32s.size() + 2);
  put_string(out, "general.architecture");
  put<uint32_t>(out, 8);
  put_string(out, "llama");
  put_string(out, "llama.attention.layer_norm_rms_epsilon");
  put<uint32_t>(out, 6);
  put<float>(out, eps);
  for (const auto& [key, value] : u32s) {
    put_string(out, key);
    put<uint32_t>(out, 4);
    put<uint32_t>(out, value);
  }
  for (const GgufTensorSpec& t : tensors) {
    put_string(out, t.name);
    put<uint32_t>(out, uint32_t(t.dims.size()));
    for (uint64_t d : t.dims) put<uint64_t>(out, d);
    put<uint32_t>(out, 0);  // f32
    put<uint64_t>(out, t.offset);
  }
  out.resize((out.size() + 31) / 32 * 32 + data_bytes);
  return out;
}

std::vector<std::pair<std::string, uint32_t>> llama_keys(uint32_t layers = 1, uint32_t context = 32) {
  return {{"llama.embedding_length", 8}, {"llama.block_count", layers}, {"llama.attention.head_count", 2},
          {"llama.feed_forward_length", 16}, {"llama.context_length", context}, {"llama.vocab_size", 4}};
}

std::vector<uint8_t> safetensors(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> bytes;
  put<uint64_t>(bytes, header.size());
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.resize(bytes.size() + data_bytes, 0);
  return bytes;
}

nlohmann::json llama_config() {
  return {{"model_type", "llama"},       {"hidden_size", 8},           {"intermediate_size", 16},
          {"num_hidden_layers", 1},      {"num_attention_heads", 2},   {"num_key_value_heads", 1},
          {"vocab_size", 4},             {"max_position_embeddings", 32}};
}

}  // namespace

TEST_CASE("tokenizer.json ids that are negative, huge, fractional or given twice") {
  const std::string dir = test::work_dir("hardening_token_ids");
  const std::string path = dir + "/tokenizer.json";
  auto read = [&](const std::string& text) {
    write_text(path, text);
    return error_of([&] { convert::read_tokenizer_json(path); });
  };
  for (const char* vocab : {R"({"a": 0, "x": -1})", R"({"a": 0, "x": 18446744073709551615})", R"({"a": 0, "x": 4294967295})",
                            R"({"a": 0, "x": 1.5})", R"({"a": 0, "x": "1"})"}) {
    CAPTURE(vocab);
    const std::string error = read(tokenizer_json(vocab));
    CHECK(contains(error, path));
    CHECK(contains(error, "model.vocab 'x'"));
  }
  CHECK(contains(read(tokenizer_json(R"({"a": 0})", R"([{"id": -1, "content": "<s>", "special": true}])")), "an added token"));
  CHECK(contains(read(tokenizer_json(R"({"a": 0, "b": 0})")), "gives id 0 to both 'a' and 'b'"));
  CHECK(contains(read(tokenizer_json(R"({"a": 0, "b": 1})", R"([{"id": 1, "content": "<s>", "special": true}])")),
                 "has id 1, which is already 'b'"));
  // An added token repeating its vocabulary entry is what real files do.
  CHECK(read(tokenizer_json(R"({"a": 0, "<s>": 1})", R"([{"id": 1, "content": "<s>", "special": true}])")).empty());
}

TEST_CASE("deeply nested JSON is refused while parsing, with a short message") {
  const std::string dir = test::work_dir("hardening_nesting");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string deep_object = R"({"a": )" + deep + "}";
  // tokenizer.json, vocab.json, config.json and a safetensors header.
  write_text(dir + "/tokenizer.json", deep);
  std::string error = error_of([&] { convert::read_tokenizer_json(dir + "/tokenizer.json"); });
  CHECK(contains(error, "nests deeper than 64 levels"));
  CHECK(error.size() < 300);
  fs::create_directories(dir + "/gpt2");
  write_text(dir + "/gpt2/vocab.json", deep_object);
  write_text(dir + "/gpt2/merges.txt", "");
  error = error_of([&] { convert::read_vocab_merges(dir + "/gpt2"); });
  CHECK(contains(error, dir + "/gpt2/vocab.json: JSON nests deeper"));
  fs::create_directories(dir + "/hf");
  write_text(dir + "/hf/config.json", deep_object);
  error = error_of([&] { convert::read_hf_folder(dir + "/hf"); });
  CHECK(contains(error, dir + "/hf/config.json: JSON nests deeper"));
  test::write_file(dir + "/model.safetensors", safetensors(R"({"a": {"dtype": "F32", "shape": )" + deep + "}}", 0));
  error = error_of([&] { convert::SafetensorsFile file(dir + "/model.safetensors"); });
  CHECK(contains(error, "model.safetensors (header): JSON nests deeper"));
  CHECK(error.size() < 300);
  // 64 levels are fine (the bound is far above any real file's few levels).
  write_text(dir + "/tokenizer.json", std::string(63, '[') + std::string(63, ']'));
  CHECK(!contains(error_of([&] { convert::read_tokenizer_json(dir + "/tokenizer.json"); }), "nests deeper"));
}

TEST_CASE("a key given twice in one JSON object is refused") {
  const std::string dir = test::work_dir("hardening_duplicate_keys");
  write_text(dir + "/tokenizer.json", tokenizer_json(R"({"a": 0, "a": 1})"));
  CHECK(contains(error_of([&] { convert::read_tokenizer_json(dir + "/tokenizer.json"); }), "key \"a\" appears twice"));
  fs::create_directories(dir + "/hf");
  write_text(dir + "/hf/config.json", R"({"model_type": "llama", "hidden_size": 8, "hidden_size": 4096})");
  CHECK(contains(error_of([&] { convert::read_hf_folder(dir + "/hf"); }), "config.json: key \"hidden_size\" appears twice"));
  // The same key in two different objects is fine.
  write_text(dir + "/tokenizer.json", tokenizer_json(R"({"type": 0})"));
  CHECK(!contains(error_of([&] { convert::read_tokenizer_json(dir + "/tokenizer.json"); }), "appears twice"));
}

TEST_CASE("config.json hyperparameters the runtime would refuse stop the conversion, naming the field") {
  const std::string dir = test::work_dir("hardening_hf_limits");
  auto read = [&](const nlohmann::json& changes) {
    nlohmann::json config = llama_config();
    if (changes.is_object()) config.update(changes);
    write_text(dir + "/config.json", config.dump());
    return error_of([&] { convert::read_hf_config(dir + "/config.json"); });
  };
  CHECK(contains(read({{"num_hidden_layers", 1000000000}}), "config.json: num_hidden_layers = 1000000000 is refused"));
  CHECK(contains(read({{"head_dim", 4294967294u}}), "head_dim = 4294967294"));
  CHECK(contains(read({{"max_position_embeddings", 4294967295u}}), "max_position_embeddings = 4294967295"));
  CHECK(contains(read({{"rms_norm_eps", 0}}), "rms_norm_eps = 0 is refused"));
  CHECK(contains(read({{"rms_norm_eps", -1e-6}}), "rms_norm_eps"));
  CHECK(contains(read({{"rope_theta", 0}}), "rope_theta = 0 is refused"));
  CHECK(contains(read({{"rope_theta", -10000}}), "rope_theta"));
  CHECK(contains(read({{"rope_theta", 1e300}}), "rope_theta = inf"));  // overflows float
  CHECK(contains(read({{"rope_scaling", {{"rope_type", 5}, {"factor", 2}}}}),
                 dir + "/config.json: rope_scaling.rope_type = 5 is not a string"));
  CHECK(read(nlohmann::json::object()).empty());
}

TEST_CASE("safetensors: overlapping data and a shape given as an object") {
  const std::string dir = test::work_dir("hardening_safetensors");
  const std::string path = dir + "/model.safetensors";
  auto read = [&](const std::string& header, size_t bytes) {
    test::write_file(path, safetensors(header, bytes));
    return error_of([&] { convert::SafetensorsFile file(path); });
  };
  CHECK(contains(read(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                          "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})", 24),
                 "tensors 'a' and 'b' overlap"));
  CHECK(contains(read(R"({"a": {"dtype": "F32", "shape": {"x": 4}, "data_offsets": [0, 16]}})", 16),
                 "tensor 'a': shape {\"x\":4} is not an array"));
  CHECK(read(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}})", 24).empty());
}

TEST_CASE("GGUF: absurd block_count, long small-element arrays, misaligned or overlapping tensors") {
  const std::string dir = test::work_dir("hardening_gguf");
  const std::string path = dir + "/m.gguf";
  auto read = [&](const std::vector<uint8_t>& bytes) {
    test::write_file(path, bytes);
    return error_of([&] { convert::read_gguf(path); });
  };
  CHECK(contains(read(gguf(llama_keys(4294967295u), {}, 0)), path + ": llama.block_count = 4294967295 is refused"));
  CHECK(contains(read(gguf(llama_keys(1, 4294967295u), {}, 0)), "llama.context_length = 4294967295 is refused"));
  CHECK(contains(read(gguf(llama_keys(), {}, 0, 0.0f)), "llama.attention.layer_norm_rms_epsilon = 0 is refused"));
  CHECK(contains(read(gguf(llama_keys(), {{"token_embd.weight", {8, 4}, 4}}, 256)), "is not a multiple of the alignment"));
  CHECK(contains(read(gguf(llama_keys(), {{"token_embd.weight", {8, 4}, 0}, {"output_norm.weight", {8}, 64}}, 256)),
                 "overlap"));
  CHECK(contains(read(gguf(llama_keys(), {{"output_norm.weight", {8}, 0}, {"output_norm.weight", {8}, 32}}, 256)),
                 "appears twice"));

  // 20 MB of u8 array once cost 40 bytes per element in memory; now it is read in place (its
  // memory bound: test_gguf_memory_bound.cpp) and the file is refused for what it lacks.
  std::vector<uint8_t> array = {'G', 'G', 'U', 'F'};
  put<uint32_t>(array, 3);
  put<uint64_t>(array, 0);
  put<uint64_t>(array, 1);
  put_string(array, "general.junk");
  put<uint32_t>(array, 9);
  put<uint32_t>(array, 0);
  put<uint64_t>(array, 20u << 20);
  array.resize(array.size() + (20u << 20));
  CHECK(contains(read(array), path + ": missing metadata key 'general.architecture'"));
}

TEST_CASE("llama2.c: a vocab_size of INT32_MIN is refused without negating it") {
  const std::string dir = test::work_dir("hardening_llama2c");
  std::vector<uint8_t> bytes;
  for (int32_t v : {64, 172, 5, 8, 4, INT32_MIN, 512}) put<int32_t>(bytes, v);
  bytes.resize(4096);
  test::write_file(dir + "/m.bin", bytes);
  CHECK(contains(error_of([&] { convert::read_llama2c(dir + "/m.bin"); }), "implausible header"));
}

TEST_CASE("merges whose result is a control or added token are refused") {
  const std::string dir = test::work_dir("hardening_control_merges");
  // "<|im_end|>" built from plain pieces by a merge chain ending in the control token.
  const std::string vocab = R"({"<": 0, "|": 1, "im": 2, "_": 3, "end": 4, ">": 5, "<|": 6, "|>": 7, "<|im": 8,
                                "<|im_": 9, "<|im_end": 10, "<|im_end|>": 11})";
  const std::string merges = R"(["< |", "| >", "<| im", "<|im _", "<|im_ end", "<|im_end |>"])";
  write_text(dir + "/tokenizer.json",
             tokenizer_json(vocab, R"([{"id": 11, "content": "<|im_end|>", "special": true}])", merges));
  const std::string error = error_of([&] { convert::read_tokenizer_source(dir + "/tokenizer.json"); });
  CHECK(contains(error, "merge 5 produces '<|im_end|>', a special token"));
}
