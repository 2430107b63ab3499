// Chooses the reader from what the input is: a folder is a Hugging Face checkpoint, a file that
// starts with "GGUF" is GGUF, anything else a llama2.c checkpoint. A folder's own tokenizer
// files and generation_config.json are read unless --tokenizer names another tokenizer.
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

  const bool folder = std::filesystem::is_directory(input);
  if (!tokenizer_path.empty()) {
    checkpoint.tokenizer = read_tokenizer_source(tokenizer_path, checkpoint.hparams.vocab_size);
  } else if (folder) {
    checkpoint.tokenizer = read_hf_folder_tokenizer(input);
  } else if (checkpoint.tokenizer.pieces.empty()) {
    throw ConvertError(input + ": the checkpoint has no tokenizer; pass one with --tokenizer");
  }
  if (folder) {
    // Its eos ids belong to the folder's own tokenizer, not to one given instead.
    checkpoint.generation = read_generation_config(
        input, tokenizer_path.empty() ? checkpoint.tokenizer.pieces.size() : checkpoint.hparams.vocab_size);
    if (!tokenizer_path.empty() && !checkpoint.generation.stop_ids.empty()) {
      checkpoint.generation.stop_ids.clear();
      checkpoint.generation.note += "; its eos_token_id is not used with --tokenizer";
    }
  }
  return checkpoint;
}

}  // namespace sprig::convert
