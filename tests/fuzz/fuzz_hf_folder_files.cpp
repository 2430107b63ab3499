// libFuzzer target over the Hugging Face folder files the converter reads beside its tokenizer:
// generation_config.json, special_tokens_map.json and a SentencePiece tokenizer.model. The first
// input byte picks the file; the rest is its content, written into a scratch folder that also
// holds a small valid vocab.json + merges.txt (the tokenizer special_tokens_map.json names tokens
// of). Property: each reader either returns or throws ConvertError (a named error); no crash,
// sanitizer report, other exception, or allocation past libFuzzer's -rss_limit_mb/-malloc_limit_mb.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "checkpoint.h"

namespace fs = std::filesystem;
using namespace sprig::convert;

namespace {

fs::path scratch;

void write_file(const fs::path& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
}

void write_text(const fs::path& path, const std::string& text) {
  write_file(path, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  scratch = fs::temp_directory_path() / ("sprig_fuzz_hf_" + std::to_string(getpid()));
  fs::create_directories(scratch / "bpe");
  fs::create_directories(scratch / "spm");
  // A GPT-2 style vocabulary: the byte characters a..e and two merges, plus <s> and </s>.
  write_text(scratch / "bpe" / "vocab.json",
             "{\"a\": 0, \"b\": 1, \"c\": 2, \"d\": 3, \"e\": 4, \"ab\": 5, \"abc\": 6, \"<s>\": 7, \"</s>\": 8}");
  write_text(scratch / "bpe" / "merges.txt", "#version: 0.2\na b\nab c\n");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t choice = data[0] % 3;
  ++data, --size;
  try {
    if (choice == 0) {
      write_file(scratch / "bpe" / "generation_config.json", data, size);
      (void)read_generation_config((scratch / "bpe").string(), 9);
      fs::remove(scratch / "bpe" / "generation_config.json");
    } else if (choice == 1) {
      write_file(scratch / "bpe" / "special_tokens_map.json", data, size);
      (void)read_hf_folder_tokenizer((scratch / "bpe").string());
      fs::remove(scratch / "bpe" / "special_tokens_map.json");
    } else {
      write_file(scratch / "spm" / "tokenizer.model", data, size);
      (void)read_sentencepiece_model((scratch / "spm" / "tokenizer.model").string());
    }
  } catch (const ConvertError&) {
    // A named error is the expected answer to damaged bytes.
  }
  fs::remove(scratch / "bpe" / "generation_config.json");
  fs::remove(scratch / "bpe" / "special_tokens_map.json");
  return 0;
}
