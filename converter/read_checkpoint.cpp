// Chooses the reader from what the input is: a folder is a Hugging Face checkpoint, a file that
// starts with "GGUF" is GGUF, anything else a llama2.c checkpoint.
#include <filesystem>

#include "checkpoint.h"
#include "gguf_file.h"

namespace sprig::convert {
Checkpoint read_checkpoint(const std::string& input, const std::string& tokenizer_path) {
  if (!std::filesystem::exists(input)) throw ConvertError(input + ": no such file or folder");
  Checkpoint checkpoint;
  if (std::filesystem::is_directory(input))
    checkpoint = read_hf_folder(input);
  else if (is_gguf_file(input))
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
