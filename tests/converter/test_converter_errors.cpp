// Broken checkpoints end with an error that names the file and the problem, and no output.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "checkpoint.h"
#include "model_writer.h"
#include "safetensors_file.h"
#include "test_support.h"

using namespace sprig;
namespace fs = std::filesystem;

namespace {

// The message of the ConvertError that `action` throws, or "" when it throws none.
template <typename Action>
std::string error_of(Action action) {
  try {
    action();
  } catch (const convert::ConvertError& e) {
    return e.what();
  }
  return "";
}

template <typename T>
void put(std::vector<uint8_t>& out, T value) {
  out.resize(out.size() + sizeof value);
  std::memcpy(out.data() + out.size() - sizeof value, &value, sizeof value);
}
void put_u32(std::vector<uint8_t>& out, uint32_t v) { put(out, v); }
void put_u64(std::vector<uint8_t>& out, uint64_t v) { put(out, v); }
void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put_u64(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

std::vector<uint8_t> safetensors(const std::string& header, size_t data_bytes) {
  std::vector<uint8_t> bytes;
  put_u64(bytes, header.size());
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.resize(bytes.size() + data_bytes, 0);
  return bytes;
}

// A two-layer Llama in Hugging Face layout with every tensor zero but the ones given.
void write_tiny_hf_folder(const std::string& folder, const nlohmann::json& config_changes,
                          const std::vector<std::string>& skip = {}) {
  fs::create_directories(folder);
  nlohmann::json config = {{"model_type", "llama"},     {"hidden_size", 8},        {"intermediate_size", 16},
                           {"num_hidden_layers", 2},     {"num_attention_heads", 2}, {"num_key_value_heads", 1},
                           {"vocab_size", 4},            {"max_position_embeddings", 32},
                           {"tie_word_embeddings", true}};
  if (config_changes.is_object()) config.update(config_changes);
  std::ofstream(folder + "/config.json") << config.dump();
  std::vector<std::pair<std::string, std::vector<uint64_t>>> tensors = {{"model.embed_tokens.weight", {4, 8}},
                                                                        {"model.norm.weight", {8}}};
  for (int l = 0; l < 2; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (auto [name, shape] : std::vector<std::pair<std::string, std::vector<uint64_t>>>{
             {"input_layernorm.weight", {8}},       {"post_attention_layernorm.weight", {8}},
             {"self_attn.q_proj.weight", {8, 8}},   {"self_attn.k_proj.weight", {4, 8}},
             {"self_attn.v_proj.weight", {4, 8}},   {"self_attn.o_proj.weight", {8, 8}},
             {"mlp.gate_proj.weight", {16, 8}},     {"mlp.up_proj.weight", {16, 8}},
             {"mlp.down_proj.weight", {8, 16}}})
      tensors.push_back({p + name, shape});
  }
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (auto& [name, shape] : tensors) {
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    uint64_t count = 1;
    for (auto d : shape) count *= d;
    header[name] = {{"dtype", "F32"}, {"shape", shape}, {"data_offsets", {offset, offset + count * 4}}};
    offset += count * 4;
  }
  test::write_file(folder + "/model.safetensors", safetensors(header.dump(), offset));
}

}  // namespace

TEST_CASE("safetensors headers that lie about sizes") {
  const std::string dir = test::work_dir("bad_safetensors");
  const std::string path = dir + "/model.safetensors";
  auto read = [&](const std::vector<uint8_t>& bytes) {
    test::write_file(path, bytes);
    return error_of([&] { convert::SafetensorsFile file(path); });
  };
  std::vector<uint8_t> huge_header;
  put_u64(huge_header, uint64_t(1) << 50);
  CHECK(read(huge_header).find("larger than the file") != std::string::npos);
  CHECK(read({1, 2, 3}).find("truncated") != std::string::npos);
  CHECK(read(safetensors("{not json", 0)).find("not valid JSON") != std::string::npos);
  CHECK(read(safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8))
            .find("outside") != std::string::npos);
  CHECK(read(safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,12]}})", 16))
            .find("need 16") != std::string::npos);
  CHECK(read(safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}})", 16))
            .find("outside") != std::string::npos);
  CHECK(read(safetensors(R"({"a":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", 16))
            .find("not supported") != std::string::npos);
  CHECK(read(safetensors(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,16]}})", 16))
            .find("malformed") != std::string::npos);
  CHECK(read(safetensors(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})", 16))
            .find("absurd") != std::string::npos);
  CHECK(read(safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 16)).empty());
}

TEST_CASE("GGUF files with absurd counts or cut short") {
  const std::string dir = test::work_dir("bad_gguf");
  const std::string path = dir + "/m.gguf";
  auto read = [&](const std::vector<uint8_t>& bytes) {
    test::write_file(path, bytes);
    return error_of([&] { convert::read_gguf(path); });
  };
  auto header = [](uint32_t version, uint64_t tensors, uint64_t kvs) {
    std::vector<uint8_t> bytes = {'G', 'G', 'U', 'F'};
    put_u32(bytes, version);
    put_u64(bytes, tensors);
    put_u64(bytes, kvs);
    return bytes;
  };
  CHECK(read(header(3, uint64_t(1) << 60, 0)).find("more than the file can hold") != std::string::npos);
  CHECK(read(header(3, 0, uint64_t(-1))).find("more than the file can hold") != std::string::npos);
  CHECK(read(header(1, 0, 0)).find("version 1") != std::string::npos);
  CHECK(read({'G', 'G', 'U', 'F', 3}).find("truncated") != std::string::npos);

  auto array = header(3, 0, 1);
  put_string(array, "tokenizer.ggml.tokens");
  put_u32(array, 9);  // array
  put_u32(array, 8);  // of strings
  put_u64(array, uint64_t(1) << 58);
  CHECK(read(array).find("larger than the file") != std::string::npos);

  auto long_key = header(3, 0, 1);
  put_u64(long_key, uint64_t(1) << 62);  // key length
  long_key.resize(long_key.size() + 16);
  CHECK(read(long_key).find("truncated") != std::string::npos);

  const std::string shared = test::shared_dir("gguf truncated");
  if (shared.empty()) return;
  const auto good = test::read_file(shared + "/models/stories260K/stories260K.gguf");
  for (size_t length : {size_t(30), size_t(1000), size_t(20000), good.size() / 2, good.size() - 1}) {
    CAPTURE(length);
    CHECK(!read({good.begin(), good.begin() + long(length)}).empty());
  }
}

TEST_CASE("llama2.c checkpoints and tokenizers that do not fit their header") {
  const std::string dir = test::work_dir("bad_llama2c");
  std::vector<uint8_t> header;
  for (int32_t v : {64, 172, 5, 8, 4, 512, 512}) put_u32(header, uint32_t(v));
  header.resize(10000);
  test::write_file(dir + "/short.bin", header);
  CHECK(error_of([&] { convert::read_llama2c(dir + "/short.bin"); }).find("does not match") != std::string::npos);

  std::vector<uint8_t> nonsense;
  for (int32_t v : {-3, 0, 5, 8, 4, 512, 512}) put_u32(nonsense, uint32_t(v));
  test::write_file(dir + "/nonsense.bin", nonsense);
  CHECK(error_of([&] { convert::read_llama2c(dir + "/nonsense.bin"); }).find("implausible") != std::string::npos);

  const std::string shared = test::shared_dir("llama2.c tokenizer mismatch");
  if (shared.empty()) return;
  // Fewer tokens than the model's rows is a padded vocabulary (validate() accepts it); a token cut
  // off by the end of the file is still an error.
  CHECK(convert::read_llama2c_tokenizer(shared + "/models/stories260K/tok512.bin", 1000).pieces.size() == 512);
  std::vector<uint8_t> cut = test::read_file(shared + "/models/stories260K/tok512.bin");
  cut.resize(cut.size() - 2);
  test::write_file(dir + "/cut.bin", cut);
  CHECK(error_of([&] { convert::read_llama2c_tokenizer(dir + "/cut.bin", 1000); }).find("truncated") !=
        std::string::npos);
  CHECK(error_of([&] { convert::read_llama2c_tokenizer(shared + "/models/stories260K/tok512.bin", 100); })
            .find("bytes after") != std::string::npos);
}

TEST_CASE("Hugging Face folders: unsupported fields, missing tensors, NaN weights") {
  const std::string dir = test::work_dir("bad_hf");
  write_tiny_hf_folder(dir + "/ok", {});
  CHECK(error_of([&] { convert::validate(convert::read_hf_folder(dir + "/ok")); }).find("tokenizer has no tokens") !=
        std::string::npos);

  write_tiny_hf_folder(dir + "/rope", {{"rope_scaling", {{"rope_type", "yarn"}, {"factor", 4.0}}}});
  CHECK(error_of([&] { convert::read_hf_folder(dir + "/rope"); }).find("rope_scaling") != std::string::npos);

  write_tiny_hf_folder(dir + "/arch", {{"model_type", "mamba"}});
  CHECK(error_of([&] { convert::read_hf_folder(dir + "/arch"); }).find("mamba") != std::string::npos);

  write_tiny_hf_folder(dir + "/act", {{"hidden_act", "gelu"}});
  CHECK(error_of([&] { convert::read_hf_folder(dir + "/act"); }).find("hidden_act") != std::string::npos);

  write_tiny_hf_folder(dir + "/missing", {}, {"model.layers.1.mlp.up_proj.weight"});
  auto missing = convert::read_hf_folder(dir + "/missing");
  missing.tokenizer.pieces.assign(4, "x");
  CHECK(error_of([&] { convert::validate(missing); }).find("missing tensor 'blk.1.ffn_up'") != std::string::npos);

  write_tiny_hf_folder(dir + "/shape", {{"intermediate_size", 17}});
  auto wrong_shape = convert::read_hf_folder(dir + "/shape");
  wrong_shape.tokenizer.pieces.assign(4, "x");
  CHECK(error_of([&] { convert::validate(wrong_shape); }).find("the hyperparameters need") != std::string::npos);

  // Fewer tokens than embedding rows is a padded vocabulary; more would leave tokens without a row.
  auto padded = convert::read_hf_folder(dir + "/ok");
  padded.tokenizer.pieces.assign(3, "x");
  padded.tokenizer.scores.assign(3, 0.0f);
  padded.tokenizer.types.assign(3, TokenType::Normal);
  CHECK(error_of([&] { convert::validate(padded); }).empty());
  auto too_many = padded;
  too_many.tokenizer.pieces.assign(5, "x");
  too_many.tokenizer.scores.assign(5, 0.0f);
  too_many.tokenizer.types.assign(5, TokenType::Normal);
  CHECK(error_of([&] { convert::validate(too_many); }).find("has only 4") != std::string::npos);

  CHECK(error_of([&] { convert::read_hf_folder(dir + "/nothing"); }).find("cannot open") != std::string::npos);

  // A NaN stops the conversion, names the tensor, and leaves no file behind.
  auto checkpoint = convert::read_hf_folder(dir + "/ok");
  checkpoint.tokenizer.pieces.assign(4, "x");
  checkpoint.tokenizer.scores.assign(4, 0.0f);
  checkpoint.tokenizer.types.assign(4, TokenType::Normal);
  for (auto& t : checkpoint.tensors)
    if (t.name == "blk.1.attn_v") t.load = [] { return std::vector<float>(32, std::nanf("")); };
  const std::string output = dir + "/nan.sprig";
  CHECK(error_of([&] { convert::write_model(checkpoint, output, {}); }).find("'blk.1.attn_v' holds NaN") !=
        std::string::npos);
  CHECK_FALSE(fs::exists(output));
  CHECK_FALSE(fs::exists(output + ".partial"));
}
