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

#include "sprig/chat_template.h"
#include "sprig/status.h"
#include "sprig/tensor_format.h"
#include "sprig/vocabulary.h"

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

// The bounds Model::open holds hyperparameters to (sizes, head layout, positive finite
// rope_theta and norm_eps); the converter applies them as soon as it has read a checkpoint's.
Status check_hyperparameters(const Hyperparameters& hparams);

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
