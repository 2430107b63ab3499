// What every reader produces: hyperparameters, a tokenizer and lazily loaded tensors named
// and shaped the way the model file stores them, whatever the source format was.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
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

// A chat template as the model file stores it (see schemas/model.fbs ChatTemplate).
struct ChatTemplateData {
  bool present = false;
  ChatTemplateKind kind = ChatTemplateKind::ChatMl;
  bool has_default_system = false;
  std::string default_system;
  bool bos_in_template = false;
  std::vector<int32_t> stop_ids;
  std::string source;
  bool skip_empty_system = false;
  bool drop_history_reasoning = false;
  std::string system_preamble;
  std::string date_format;
  bool compact_turns = false;
  bool drop_all_reasoning = false;
  std::string think_off_prefix;
  bool think_off_by_default = false;
  bool think_off_history = false;
  bool system_think_flags = false;
  bool has_default_system_no_think = false;
  std::string default_system_no_think;
  bool reply_lstrip_newlines = false;
  bool has_system_close = false;
  std::string system_close;
};

// What generation_config.json asks of generation (schemas/model.fbs GenerationDefaults).
struct GenerationData {
  bool present = false;
  std::vector<int32_t> stop_ids;  // eos_token_id, one id or a list
  std::optional<float> temperature, top_p;
  std::optional<int32_t> top_k;
  std::string note;  // for the report: where the values came from, or why there are none
};

struct TokenizerData {
  TokenizerKind kind = TokenizerKind::SentencePieceBpe;
  PreTokenizer pre_tokenizer = PreTokenizer::Whole;
  Normalizer normalizer = Normalizer::Identity;
  // SentencePiece form: "▁" for spaces, <0xNN> byte pieces; byte-level form: "Ġ" for a space
  // byte. Control and added tokens are spelled as the text they stand for.
  std::vector<std::string> pieces;
  std::vector<float> scores;
  std::vector<TokenType> types;
  // Ranked merges (byte-level BPE, and SentencePiece vocabularies from tokenizer.json); empty
  // when SentencePiece merges by score.
  std::vector<TokenMerge> merges;
  int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
  bool add_bos = true;
  bool add_space_prefix = true;
  bool ignore_merges = false;  // a chunk that is a whole piece becomes that piece (Llama-3)
  // The Jinja chat template as the source declares it (tokenizer_config.json chat_template,
  // GGUF tokenizer.chat_template); empty for base models.
  std::string chat_template_source;
  // What the converter recognised in it (recognise_chat_template); written to the model file.
  ChatTemplateData chat;
  std::string source_format;   // for the report: gguf, tokenizer.json, vocab.json+merges.txt, llama2c
};

struct Checkpoint {
  Hyperparameters hparams;
  FamilyOptions family;  // what the family changes in a Llama block
  TokenizerData tokenizer;
  GenerationData generation;  // Hugging Face folders with generation_config.json
  std::vector<SourceTensor> tensors;
  std::string source;
  std::string source_format;
};

// Recognises the tokenizer's Jinja chat template by the markers and structure each family
// uses. `forced_name` (--chat-template) picks the kind instead, also for sources without a
// template. No template and nothing forced: no chat template (a base model). A template that is
// not recognised is a ConvertError naming the kinds that are.
ChatTemplateData recognise_chat_template(const TokenizerData& tokenizer, const std::string& forced_name,
                                         const std::string& source);

// Readers. Each throws ConvertError naming the file and the problem.
Checkpoint read_llama2c(const std::string& path);
// vocab_size 0 reads every token in the file.
TokenizerData read_llama2c_tokenizer(const std::string& path, uint32_t vocab_size);
TokenizerData read_gguf_tokenizer(const std::string& path);
// A Hugging Face tokenizer.json; tokenizer_config.json beside it adds special tokens and ids.
TokenizerData read_tokenizer_json(const std::string& path);
// A folder with vocab.json and merges.txt (and optionally tokenizer_config.json).
TokenizerData read_vocab_merges(const std::string& folder);
// Any tokenizer source: tokenizer.json, a folder holding tokenizer.json or vocab.json +
// merges.txt, a GGUF file (vocab-only files included) or a llama2.c tokenizer .bin.
// `vocab_size` (0 for any) is what a llama2.c tokenizer must hold.
TokenizerData read_tokenizer_source(const std::string& path, uint32_t vocab_size = 0);
Checkpoint read_gguf(const std::string& path);
Checkpoint read_hf_folder(const std::string& folder);
// The tokenizer a Hugging Face folder carries beside config.json (hf_folder_tokenizer.cpp):
// tokenizer.json, else vocab.json + merges.txt, else a SentencePiece tokenizer.model; then
// tokenizer_config.json, special_tokens_map.json and chat_template.jinja.
TokenizerData read_hf_folder_tokenizer(const std::string& folder);
// A SentencePiece BPE tokenizer.model, read through libsentencepiece.
TokenizerData read_sentencepiece_model(const std::string& path);
// generation_config.json of `folder`; absent, a GenerationData with only a note. Its eos ids
// must be below `vocab_size`.
GenerationData read_generation_config(const std::string& folder, size_t vocab_size);
// Adds the generation config's stop ids to the chat template's.
void add_generation_stops(ChatTemplateData& chat, const GenerationData& generation);

// Any supported input; `tokenizer` (a llama2.c tokenizer .bin) replaces the checkpoint's own.
Checkpoint read_checkpoint(const std::string& input, const std::string& tokenizer);

// Random-weight models with published shapes: smollm2-135m, qwen2.5-0.5b, llama-3.2-1b.
// `vocab_size` 0 keeps the shape's; a real tokenizer sets its own (sprig-convert --synthetic
// NAME --tokenizer DIR). "tiny-llama" is a few-layer shape for tests of big vocabularies.
Checkpoint synthetic_checkpoint(const std::string& name, uint32_t vocab_size = 0);
std::vector<std::string> synthetic_names();

// Checks that tensors and hyperparameters agree before anything is written.
void validate(const Checkpoint& checkpoint);
// Checks a tokenizer on its own: array lengths, special ids and merges inside the vocabulary.
void validate_tokenizer(const TokenizerData& tokenizer, const std::string& source);

}  // namespace sprig::convert
