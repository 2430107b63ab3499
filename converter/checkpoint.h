// What every reader produces: hyperparameters, a tokenizer and lazily loaded tensors named
// and shaped the way the model file stores them, whatever the source format was.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sprig/model.h"

namespace sprig::convert {

// The converter runs offline, so it reports problems by exception; main turns them into a
// message and a non-zero exit.
struct ConvertError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct SourceTensor {
  std::string name;              // model-file name, e.g. "blk.0.attn_q"
  std::vector<uint64_t> shape;   // outermost first; matrices are [out, in]
  std::string source_dtype;      // as the checkpoint stored it, for the report
  std::function<std::vector<float>()> load;  // read when written, so one tensor is in memory at a time
};

struct TokenizerData {
  std::vector<std::string> pieces;  // SentencePiece form: "▁" for spaces, <0xNN> byte pieces
  std::vector<float> scores;
  std::vector<TokenType> types;
  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
  bool add_bos = true;
  bool add_space_prefix = true;
};

struct Checkpoint {
  Hyperparameters hparams;
  TokenizerData tokenizer;
  std::vector<SourceTensor> tensors;
  std::string source;
  std::string source_format;
};

// Readers. Each throws ConvertError naming the file and the problem.
Checkpoint read_llama2c(const std::string& path);
TokenizerData read_llama2c_tokenizer(const std::string& path, uint32_t vocab_size);
Checkpoint read_gguf(const std::string& path);
Checkpoint read_hf_folder(const std::string& folder);

// Any supported input; `tokenizer` (a llama2.c tokenizer .bin) replaces the checkpoint's own.
Checkpoint read_checkpoint(const std::string& input, const std::string& tokenizer);

// Random-weight models with published shapes: smollm2-135m, qwen2.5-0.5b, llama-3.2-1b.
Checkpoint synthetic_checkpoint(const std::string& name);
std::vector<std::string> synthetic_names();

// Checks that tensors and hyperparameters agree before anything is written.
void validate(const Checkpoint& checkpoint);

}  // namespace sprig::convert
