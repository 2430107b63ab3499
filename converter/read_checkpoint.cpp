// Chooses the reader from what the input is: a folder is a Hugging Face checkpoint, a file that
// starts with "GGUF" is GGUF, anything else a llama2.c checkpoint.
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "checkpoint.h"

namespace sprig::convert {
namespace {

bool is_gguf(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return false;
  char magic[4] = {};
  const bool gguf = std::fread(magic, 1, 4, f) == 4 && std::memcmp(magic, "GGUF", 4) == 0;
  std::fclose(f);
  return gguf;
}

}  // namespace

Checkpoint read_checkpoint(const std::string& input, const std::string& tokenizer_path) {
  if (!std::filesystem::exists(input)) throw ConvertError(input + ": no such file or folder");
  Checkpoint checkpoint;
  if (std::filesystem::is_directory(input))
    checkpoint = read_hf_folder(input);
  else if (is_gguf(input))
    checkpoint = read_gguf(input);
  else
    checkpoint = read_llama2c(input);

  if (!tokenizer_path.empty()) {
    checkpoint.tokenizer = read_tokenizer_source(tokenizer_path, checkpoint.hparams.vocab_size);
  } else if (checkpoint.tokenizer.pieces.empty()) {
    throw ConvertError(input + ": the checkpoint has no tokenizer; pass one with --tokenizer");
  }
  return checkpoint;
}

}  // namespace sprig::convert
