// A verified, read-only view of a sprig model file. Weights stay in the mapping (or the caller's
// buffer) and are shared by every session created from the model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sprig/status.h"
#include "sprig/tensor_format.h"

namespace sprig {

constexpr uint32_t kSchemaMajor = 1;
constexpr uint32_t kSchemaMinor = 3;  // 1.1: byte-level BPE tokenizers, vocab-only files; 1.2: families, chat templates;
                                      // 1.3: generation defaults
constexpr size_t kTensorAlignment = 64;


struct Hyperparameters {
  uint32_t dim = 0;
  uint32_t n_layers = 0;
  uint32_t n_heads = 0;
  uint32_t n_kv_heads = 0;
  uint32_t head_dim = 0;
  uint32_t ffn_dim = 0;
  uint32_t vocab_size = 0;
  uint32_t max_positions = 0;
  float rope_theta = 10000.0f;
  float norm_eps = 1e-5f;
  bool tied_output = false;

  uint32_t q_dim() const { return n_heads * head_dim; }
  uint32_t kv_dim() const { return n_kv_heads * head_dim; }
};

// Values follow the model file's enums (schemas/model.fbs).
enum class Architecture : uint8_t { Llama = 0, Qwen2 = 1, Qwen3 = 2, Gemma2 = 3, Gemma3 = 4, Phi3 = 5, Gpt2 = 6 };
enum class NormKind : uint8_t { RmsNorm = 0, LayerNorm = 1 };
enum class Activation : uint8_t { SiluGated = 0, GeluTanhGated = 1, GeluTanh = 2 };
const char* architecture_name(Architecture architecture);

// What a family changes in a Llama block (see Family in schemas/model.fbs); defaults are Llama.
struct FamilyOptions {
  Architecture architecture = Architecture::Llama;
  NormKind norm = NormKind::RmsNorm;
  Activation activation = Activation::SiluGated;
  float embedding_scale = 1.0f;
  float attention_scale = 0.0f;  // 0: 1 / sqrt(head_dim)
  float attention_softcap = 0.0f;
  float output_softcap = 0.0f;
  uint32_t sliding_window = 0;
  std::vector<bool> sliding_layers;  // empty: no layer slides
  bool learned_positions = false;
  uint32_t rope_long_context = 0;  // 0: no long-context frequencies

  bool is_sliding(size_t layer) const { return sliding_window && layer < sliding_layers.size() && sliding_layers[layer]; }
};

// A tensor's bytes inside the model file; rows are the outermost dimension.
struct TensorView {
  DType dtype = DType::F32;
  uint64_t rows = 0;
  uint64_t cols = 0;  // 1 for vectors
  uint32_t group = 0;  // quantized dtypes: columns per block
  const void* data = nullptr;
};

struct LayerWeights {
  TensorView attn_norm, wq, wk, wv, wo;
  TensorView ffn_norm, w_gate, w_up, w_down;
  // Present only in the families that have them (data == nullptr otherwise); all f32 vectors.
  TensorView attn_norm_bias, ffn_norm_bias;          // LayerNorm
  TensorView bq, bk, bv, bo, b_up, b_down;           // projection biases
  TensorView q_norm, k_norm;                         // per-head RMSNorm of q and k, head_dim each
  TensorView attn_post_norm, ffn_post_norm;          // norms of the attention and FFN outputs
  bool sliding = false;                              // attends only the last sliding_window positions
};

// Token types follow SentencePiece / GGUF numbering.
enum class TokenType : uint8_t {
  Undefined = 0, Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6
};

// Values follow the model file's enums (schemas/model.fbs).
enum class TokenizerKind : uint8_t { SentencePieceBpe = 0, ByteLevelBpe = 1 };
enum class PreTokenizer : uint8_t { Whole = 0, Gpt2 = 1, Llama3 = 2, Qwen2 = 3, Falcon = 4, SmolLm = 5 };
enum class Normalizer : uint8_t { Identity = 0, Nfc = 1, Nfkc = 2 };

// Adjacent tokens `left` and `right` become `result`; a merge's rank is its index.
struct TokenMerge {
  int32_t left, right, result;
};

struct Vocabulary {
  TokenizerKind kind = TokenizerKind::SentencePieceBpe;
  PreTokenizer pre_tokenizer = PreTokenizer::Whole;
  Normalizer normalizer = Normalizer::Identity;
  std::vector<std::string_view> pieces;  // point into the model file
  std::vector<float> scores;
  std::vector<TokenType> types;
  int32_t bos_id = -1;
  int32_t eos_id = -1;
  int32_t unk_id = -1;
  bool add_bos = true;
  bool add_space_prefix = true;
  std::vector<TokenMerge> merges;  // in rank order; empty when SentencePiece merges by score
  bool ignore_merges = false;      // a chunk that is a whole piece becomes that piece (Llama-3)
  // Tokens besides EOS that end generation (GenerationDefaults::stop_ids).
  std::vector<int32_t> stop_ids;
};

// The chat template kinds the runtime renders (schemas/model.fbs ChatTemplateKind).
enum class ChatTemplateKind : uint8_t {
  ChatMl = 0, Llama2 = 1, Llama3 = 2, Phi3 = 3, Gemma = 4, Zephyr = 5, Granite = 6, Mistral = 7, DeepSeek = 8
};
constexpr ChatTemplateKind kChatTemplateKinds[] = {ChatTemplateKind::ChatMl, ChatTemplateKind::Llama2,
                                                   ChatTemplateKind::Llama3, ChatTemplateKind::Phi3,
                                                   ChatTemplateKind::Gemma,  ChatTemplateKind::Zephyr,
                                                   ChatTemplateKind::Granite, ChatTemplateKind::Mistral,
                                                   ChatTemplateKind::DeepSeek};
// "chatml", "llama2", "llama3", "phi3", "gemma", "zephyr", "granite", "mistral", "deepseek": the
// names --chat-template takes.
const char* chat_template_name(ChatTemplateKind kind);

struct ChatTemplate {
  bool present = false;  // false for base models
  ChatTemplateKind kind = ChatTemplateKind::ChatMl;
  bool has_default_system = false;
  std::string_view default_system;  // written when a conversation has no system message
  bool bos_in_template = false;     // the template writes BOS's text at the start
  std::vector<int32_t> stop_ids;    // tokens that end an assistant reply
  std::string_view source;          // the Jinja text it was recognised from
  bool skip_empty_system = false;   // an empty system message writes nothing
  bool drop_history_reasoning = false;  // earlier assistant turns lose their <think> span
  std::string_view system_preamble;  // starts every system message; the system turn is always written
  std::string_view date_format;      // how "{date}" in the preamble or default system is written
  bool compact_turns = false;        // no newline after role and end markers
  bool drop_all_reasoning = false;   // every assistant message loses its <think> span
  std::string_view think_off_prefix;  // a reasoning switch: what a reply opens with when off
  bool think_off_by_default = false;
  bool think_off_history = false;     // earlier replies open with think_off_prefix too when off
  bool system_think_flags = false;    // "/think", "/no_think" in the system message set the switch
  bool has_default_system_no_think = false;
  std::string_view default_system_no_think;
  bool reply_lstrip_newlines = false;
  bool has_system_close = false;
  std::string_view system_close;     // ends the system turn instead of the kind's end marker
};

// What the checkpoint's generation_config.json asked of generation (schemas/model.fbs
// GenerationDefaults): callers use a value unless their user chose another. Empty when the
// source said nothing.
struct GenerationDefaults {
  std::vector<int32_t> stop_ids;  // end any generation, like EOS
  std::optional<float> temperature, top_p;
  std::optional<uint32_t> top_k;
};

struct Provenance {
  std::string source, source_format, converter_version, options;
};

class MappedFile;

class Model {
 public:
  // Maps the file and verifies all of it; any problem is an error naming it.
  static Result<std::shared_ptr<const Model>> open(const std::string& path);
  // Uses bytes the caller keeps alive for the model's lifetime (systems without mmap).
  static Result<std::shared_ptr<const Model>> from_buffer(const void* data, size_t size);

  ~Model();

  const Hyperparameters& hparams() const { return hparams_; }
  const Vocabulary& vocab() const { return vocab_; }
  const Provenance& provenance() const { return provenance_; }
  const ChatTemplate& chat_template() const { return chat_template_; }
  const GenerationDefaults& generation_defaults() const { return generation_defaults_; }
  const TensorView& token_embedding() const { return token_embedding_; }
  const TensorView& output_norm() const { return output_norm_; }
  const TensorView& output() const { return output_; }
  const TensorView& output_norm_bias() const { return output_norm_bias_; }  // LayerNorm models
  const TensorView& position_embedding() const { return position_embedding_; }  // learned positions
  const FamilyOptions& family() const { return family_; }
  // RoPE inverse frequencies, head_dim / 2 each: for global layers (the long-context set when
  // `long_context`) and for sliding layers.
  std::span<const float> rope_frequencies(bool sliding, bool long_context) const;
  std::span<const LayerWeights> layers() const { return layers_; }
  size_t file_size() const { return size_; }
  // A tokenizer-only file: no weights, no layers; sessions cannot be created from it.
  bool vocab_only() const { return vocab_only_; }
  size_t weight_bytes() const { return weight_bytes_; }

 private:
  Model() = default;
  Status parse(const uint8_t* data, size_t size);

  std::unique_ptr<MappedFile> mapping_;
  size_t size_ = 0;
  size_t weight_bytes_ = 0;
  bool vocab_only_ = false;
  Hyperparameters hparams_;
  Vocabulary vocab_;
  Provenance provenance_;
  ChatTemplate chat_template_;
  GenerationDefaults generation_defaults_;
  TensorView token_embedding_, output_norm_, output_;
  TensorView output_norm_bias_, position_embedding_;
  FamilyOptions family_;
  std::vector<float> rope_freqs_, rope_freqs_long_, rope_freqs_swa_;
  std::vector<LayerWeights> layers_;
};

}  // namespace sprig
