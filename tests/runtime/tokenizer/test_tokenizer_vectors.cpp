// Token-for-token equality with published reference encodings: llama.cpp's conformance vectors
// (.inp/.out, made by Hugging Face tokenizers) and swift-transformers' baselines (made by
// transformers), for every source format each tokenizer exists in.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sprig/tokenizer.h"
#include "test_support.h"

using namespace sprig;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Case {
  std::string text;
  std::vector<int32_t> ids;
};

// .inp holds the texts, each followed by "\n__ggml_vocab_test__\n"; .out one line of ids each.
std::vector<Case> llama_cpp_cases(const std::string& shared, const std::string& name) {
  const std::string base = shared + "/tokenizers/llama.cpp-vectors/ggml-vocab-" + name + ".gguf";
  const std::string inp = read_text(base + ".inp");
  const std::string separator = "\n__ggml_vocab_test__\n";
  std::vector<Case> cases;
  for (size_t at = 0, next; (next = inp.find(separator, at)) != std::string::npos; at = next + separator.size())
    cases.push_back({inp.substr(at, next - at), {}});
  std::istringstream out(read_text(base + ".out"));
  std::string line;
  for (Case& c : cases) {
    std::getline(out, line);
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) c.ids.push_back(id);
  }
  return cases;
}

std::shared_ptr<const Model> load(const std::string& source, const std::string& name) {
  return test::tokenizer_model(source, test::work_dir("tokenizer_vectors_" + name) + "/tok.sprig");
}

// Counts the cases whose ids differ, showing the first few.
size_t mismatches(const Tokenizer& tokenizer, const std::vector<Case>& cases) {
  size_t wrong = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<int32_t> ids;
    tokenizer.encode(cases[i].text, false, ids);
    if (ids == cases[i].ids) continue;
    if (++wrong <= 3) {
      std::string got, want;
      for (int32_t id : ids) got += " " + std::to_string(id);
      for (int32_t id : cases[i].ids) want += " " + std::to_string(id);
      MESSAGE("case " << i << " '" << cases[i].text << "'\n  got: " << got << "\n want: " << want);
    }
  }
  return wrong;
}

void check_llama_cpp(const std::string& name, const std::vector<std::string>& sources) {
  const std::string shared = test::shared_dir(("llama.cpp vectors " + name).c_str());
  if (shared.empty()) return;
  const std::vector<Case> cases = llama_cpp_cases(shared, name);
  REQUIRE(cases.size() == 46);
  for (size_t i = 0; i < sources.size(); ++i) {
    CAPTURE(sources[i]);
    auto model = load(shared + sources[i], name + std::to_string(i));
    const Tokenizer tokenizer(model->vocab());
    CHECK(mismatches(tokenizer, cases) == 0);
  }
}

// swift-transformers baselines: input_ids of each input, as transformers encodes it.
std::vector<Case> swift_cases(const std::string& shared, const std::string& file, bool drop_bos) {
  const std::string dir = shared + "/tokenizers/swift-transformers-vectors/";
  const nlohmann::json inputs = nlohmann::json::parse(read_text(dir + "inputs.json"));
  const nlohmann::json baseline = nlohmann::json::parse(read_text(dir + file));
  std::vector<Case> cases;
  for (const auto& input : inputs["inputs"]) {
    const auto& entry = baseline["entries"][input["id"].get<std::string>()];
    std::vector<int32_t> ids = entry["input_ids"].get<std::vector<int32_t>>();
    if (drop_bos && !ids.empty() && ids[0] == 1) ids.erase(ids.begin());
    cases.push_back({input["text"].get<std::string>(), ids});
  }
  return cases;
}

}  // namespace

TEST_CASE("gpt-2 matches llama.cpp's vectors from GGUF and from vocab.json + merges.txt") {
  check_llama_cpp("gpt-2", {"/tokenizers/llama.cpp-vectors/ggml-vocab-gpt-2.gguf", "/tokenizers/gpt2"});
}

TEST_CASE("qwen2 matches llama.cpp's vectors from vocab.json + merges.txt + tokenizer_config.json") {
  check_llama_cpp("qwen2", {"/tokenizers/qwen2.5"});
}

TEST_CASE("falcon matches llama.cpp's vectors from GGUF and from tokenizer.json") {
  check_llama_cpp("falcon", {"/tokenizers/llama.cpp-vectors/ggml-vocab-falcon.gguf", "/tokenizers/falcon-7b/tokenizer.json"});
}

TEST_CASE("mpt matches llama.cpp's vectors from GGUF") {
  check_llama_cpp("mpt", {"/tokenizers/llama.cpp-vectors/ggml-vocab-mpt.gguf"});
}

TEST_CASE("phi-3 (SentencePiece with byte fallback) matches llama.cpp's vectors from GGUF and tokenizer.json") {
  check_llama_cpp("phi-3", {"/tokenizers/llama.cpp-vectors/ggml-vocab-phi-3.gguf",
                            "/tokenizers/phi-3-mini-4k-instruct/tokenizer.json"});
}

TEST_CASE("swift-transformers baselines: GPT-2, Qwen2.5 and TinyLlama (Llama 2 pieces, as in Phi-3)") {
  const std::string shared = test::shared_dir("swift-transformers vectors");
  if (shared.empty()) return;
  struct Baseline {
    const char* file;
    const char* source;
    bool drop_bos;
  };
  for (const Baseline& b : {Baseline{"openai-community__gpt2.json", "/tokenizers/gpt2", false},
                            Baseline{"openai-community__gpt2.json", "/tokenizers/llama.cpp-vectors/ggml-vocab-gpt-2.gguf", false},
                            Baseline{"Qwen__Qwen2.5-0.5B.json", "/tokenizers/qwen2.5", false},
                            Baseline{"TinyLlama__TinyLlama-1.1B-Chat-v1.0.json", "/tokenizers/llama.cpp-vectors/ggml-vocab-phi-3.gguf", true},
                            Baseline{"TinyLlama__TinyLlama-1.1B-Chat-v1.0.json", "/tokenizers/phi-3-mini-4k-instruct/tokenizer.json", true}}) {
    CAPTURE(b.file);
    CAPTURE(b.source);
    const std::vector<Case> cases = swift_cases(shared, b.file, b.drop_bos);
    REQUIRE(cases.size() == 30);
    auto model = load(shared + b.source, "swift");
    const Tokenizer tokenizer(model->vocab());
    CHECK(mismatches(tokenizer, cases) == 0);
  }
}

TEST_CASE("swift-transformers' French paragraph: GPT-2 and Falcon") {
  const std::string shared = test::shared_dir("swift-transformers paragraph");
  if (shared.empty()) return;
  const std::string dir = shared + "/tokenizers/swift-transformers-vectors/";
  for (auto [file, source] : {std::pair{"gpt2_encoded_tokens.json", "/tokenizers/gpt2"},
                              std::pair{"falcon_encoded.json", "/tokenizers/falcon-7b/tokenizer.json"},
                              std::pair{"falcon_encoded.json", "/tokenizers/llama.cpp-vectors/ggml-vocab-falcon.gguf"}}) {
    CAPTURE(source);
    const nlohmann::json vector = nlohmann::json::parse(read_text(dir + file));
    auto model = load(shared + source, "paragraph");
    const Tokenizer tokenizer(model->vocab());
    std::vector<int32_t> ids;
    tokenizer.encode(vector["text"].get<std::string>(), false, ids);
    CHECK(ids == vector["token_ids"].get<std::vector<int32_t>>());
  }
}
