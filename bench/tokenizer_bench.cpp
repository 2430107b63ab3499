// Encoding speed against text length: 10 KB, 100 KB and 1 MB of mixed-language text (the
// shared eval texts repeated), per tokenizer, best of several runs with a reserved workspace.
// Near-constant ns/byte across sizes is what "near-linear" means here.
//   build/sprig-bench-tokenizer SHARED_DIR
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "checkpoint.h"
#include "model_writer.h"
#include "sprig/tokenizer.h"

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The first `bytes` bytes of the repeated corpus, cut back to a character boundary.
std::string text_of_size(const std::string& corpus, size_t bytes) {
  std::string text;
  while (text.size() < bytes) text += corpus;
  text.resize(bytes);
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xc0) == 0x80) text.pop_back();
  if (!text.empty() && static_cast<unsigned char>(text.back()) >= 0xc0) text.pop_back();
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string shared = argc > 1 ? argv[1] : "../shared";
  const std::string corpus = read_text(shared + "/eval/tinytales.txt") + read_text(shared + "/eval/multilingual.txt");
  if (corpus.empty()) {
    std::fprintf(stderr, "no eval texts under %s\n", shared.c_str());
    return 1;
  }
  const std::pair<const char*, const char*> tokenizers[] = {
      {"gpt-2 (byte-level)", "/tokenizers/gpt2"},
      {"qwen2.5 (byte-level, NFC)", "/tokenizers/qwen2.5"},
      {"falcon (byte-level)", "/tokenizers/falcon-7b/tokenizer.json"},
      {"phi-3 gguf (SentencePiece, scores)", "/tokenizers/llama.cpp-vectors/ggml-vocab-phi-3.gguf"},
      {"phi-3 json (SentencePiece, merges)", "/tokenizers/phi-3-mini-4k-instruct/tokenizer.json"},
  };
  std::printf("| tokenizer | bytes | tokens | best ms | ns/byte |\n|---|---:|---:|---:|---:|\n");
  for (const auto& [name, source] : tokenizers) {
    const std::string model_path = "bench-tokenizer.sprig";
    sprig::convert::write_tokenizer_model(sprig::convert::read_tokenizer_source(shared + source), source, model_path);
    auto model = sprig::Model::open(model_path);
    std::remove(model_path.c_str());
    if (!model) {
      std::fprintf(stderr, "%s\n", model.error().message().c_str());
      return 1;
    }
    const sprig::Tokenizer tokenizer(model.value()->vocab());
    for (size_t size : {size_t(10) << 10, size_t(100) << 10, size_t(1) << 20}) {
      const std::string text = text_of_size(corpus, size);
      sprig::Tokenizer::Workspace workspace;
      workspace.reserve(text.size());
      std::vector<int32_t> ids;
      ids.reserve(text.size() + 1);
      double best = 1e30;
      const int runs = size > (100u << 10) ? 3 : 10;
      for (int run = 0; run < runs; ++run) {
        ids.clear();
        const auto start = std::chrono::steady_clock::now();
        tokenizer.encode(text, false, ids, workspace);
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      }
      std::printf("| %s | %zu | %zu | %.2f | %.1f |\n", name, text.size(), ids.size(), best * 1e3,
                  best * 1e9 / double(text.size()));
    }
  }
  return 0;
}
