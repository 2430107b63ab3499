// Loading verifies everything before use: the FlatBuffers structure, every tensor's place inside
// the data segment, and every shape against the hyperparameters. A file that passes can be read
// without further checks; one that fails is an error naming what is wrong.
#include "sprig/model.h"

#include <flatbuffers/flatbuffers.h>

#include <cmath>
#include <cstring>
#include <unordered_map>

#include "sprig/mapped_file.h"
#include "model_generated.h"
#include "../model/generation_defaults.h"

namespace sprig {
namespace {

namespace fb = sprig::schema;

// Generous bounds that keep all size arithmetic far from overflow.
constexpr uint32_t kMaxDim = 1u << 16;
constexpr uint32_t kMaxLayers = 1024;
constexpr uint32_t kMaxVocab = 1u << 22;
constexpr uint32_t kMaxPositions = 1u << 24;

Error bad(const std::string& what) { return Error("invalid model file: " + what); }

Status check_hparams(const Hyperparameters& h) {
  auto in_range = [](uint32_t v, uint32_t max) { return v > 0 && v <= max; };
  if (!in_range(h.dim, kMaxDim)) return bad("dim " + std::to_string(h.dim) + " out of range");
  if (!in_range(h.n_layers, kMaxLayers)) return bad("n_layers out of range");
  if (!in_range(h.n_heads, kMaxDim) || !in_range(h.n_kv_heads, kMaxDim))
    return bad("head counts out of range");
  if (h.n_heads % h.n_kv_heads != 0)
    return bad("n_heads " + std::to_string(h.n_heads) + " is not a multiple of n_kv_heads " +
               std::to_string(h.n_kv_heads));
  if (!in_range(h.head_dim, 1024) || h.head_dim % 2 != 0) return bad("head_dim must be even and at most 1024");
  if (uint64_t(h.n_heads) * h.head_dim > kMaxDim) return bad("n_heads * head_dim out of range");
  if (!in_range(h.ffn_dim, 1u << 20)) return bad("ffn_dim out of range");
  if (!in_range(h.vocab_size, kMaxVocab)) return bad("vocab_size out of range");
  if (!in_range(h.max_positions, kMaxPositions)) return bad("max_positions out of range");
  if (!std::isfinite(h.rope_theta) || h.rope_theta <= 0) return bad("rope_theta must be positive");
  if (!std::isfinite(h.norm_eps) || h.norm_eps <= 0) return bad("norm_eps must be positive");
  return {};
}

}  // namespace

Status check_hyperparameters(const Hyperparameters& hparams) { return check_hparams(hparams); }

namespace {

struct TensorEntry {
  DType dtype;
  uint32_t group;
  std::vector<uint64_t> shape;
  const void* data;
  size_t size;
};

Result<std::unordered_map<std::string, TensorEntry>> index_tensors(const fb::Model& model,
                                                                  const uint8_t* segment,
                                                                  uint64_t segment_size) {
  std::unordered_map<std::string, TensorEntry> tensors;
  for (const fb::Tensor* t : *model.tensors()) {
    const std::string name = t->name()->str();
    const std::string where = "tensor '" + name + "': ";
    if (uint8_t(t->dtype()) > uint8_t(fb::DType::MAX))
      return bad(where + "unknown dtype " + std::to_string(int(t->dtype())));
    const DType dtype = DType(t->dtype());
    if (t->shape()->size() == 0 || t->shape()->size() > 4) return bad(where + "must have 1 to 4 dimensions");
    uint64_t elements = 1;
    std::vector<uint64_t> shape;
    for (uint64_t d : *t->shape()) {
      if (d == 0 || d > (uint64_t(1) << 40) || elements > (uint64_t(1) << 40) / d)
        return bad(where + "shape is empty or too large");
      elements *= d;
      shape.push_back(d);
    }
    const uint32_t group = t->group_size();
    if (is_quantized(dtype) && (shape.size() != 2 || !is_valid_group(group)))
      return bad(where + "a quantized tensor must be a matrix with group size 32, 64 or 128");
    const uint64_t cols = shape.size() > 1 ? elements / shape[0] : elements;
    const uint64_t rows = elements / cols;
    if (t->size() != tensor_layout(dtype, rows, cols, group).total_bytes)
      return bad(where + "size " + std::to_string(t->size()) + " does not match its shape and dtype");
    if (t->offset() % kTensorAlignment != 0) return bad(where + "offset is not 64-byte aligned");
    if (t->offset() > segment_size || t->size() > segment_size - t->offset())
      return bad(where + "data lies outside the file (offset " + std::to_string(t->offset()) + ", size " +
                 std::to_string(t->size()) + ", data segment " + std::to_string(segment_size) + " bytes)");
    if (!tensors.emplace(name, TensorEntry{dtype, group, shape, segment + t->offset(), size_t(t->size())}).second)
      return bad("tensor '" + name + "' appears twice");
  }
  return tensors;
}

class TensorResolver {
 public:
  explicit TensorResolver(const std::unordered_map<std::string, TensorEntry>& tensors) : tensors_(tensors) {}

  // A tensor the model may lack: an empty view when absent, checked like get() when present.
  Result<TensorView> optional(const std::string& name, std::vector<uint64_t> shape) const {
    if (tensors_.find(name) == tensors_.end()) return TensorView{};
    return get(name, std::move(shape));
  }

  // Finds a tensor and checks its shape; shape {n} is a vector, {rows, cols} a matrix.
  Result<TensorView> get(const std::string& name, std::vector<uint64_t> shape) const {
    auto it = tensors_.find(name);
    if (it == tensors_.end()) return bad("missing tensor '" + name + "'");
    if (it->second.shape != shape) {
      auto show = [](const std::vector<uint64_t>& s) {
        std::string text = "[";
        for (size_t i = 0; i < s.size(); ++i) text += (i ? ", " : "") + std::to_string(s[i]);
        return text + "]";
      };
      return bad("tensor '" + name + "' has shape " + show(it->second.shape) + ", expected " + show(shape));
    }
    TensorView view;
    view.dtype = it->second.dtype;
    view.rows = shape[0];
    view.cols = shape.size() > 1 ? shape[1] : 1;
    view.group = it->second.group;
    view.data = it->second.data;
    return view;
  }

 private:
  const std::unordered_map<std::string, TensorEntry>& tensors_;
};

#define SPRIG_TRY_ASSIGN(target, expression)   \
  do {                                          \
    auto result_ = (expression);                \
    if (!result_) return result_.error();       \
    target = std::move(result_.value());        \
  } while (0)

Status read_vocabulary(const fb::Tokenizer& tok, uint32_t vocab_size, Vocabulary& vocab) {
  if (uint8_t(tok.kind()) > uint8_t(fb::TokenizerKind::MAX))
    return bad("unknown tokenizer kind " + std::to_string(int(tok.kind())));
  if (uint8_t(tok.pre_tokenizer()) > uint8_t(fb::PreTokenizer::MAX))
    return bad("unknown pre-tokenizer " + std::to_string(int(tok.pre_tokenizer())));
  if (uint8_t(tok.normalizer()) > uint8_t(fb::Normalizer::MAX))
    return bad("unknown normalizer " + std::to_string(int(tok.normalizer())));
  vocab.kind = TokenizerKind(tok.kind());
  vocab.pre_tokenizer = PreTokenizer(tok.pre_tokenizer());
  vocab.normalizer = Normalizer(tok.normalizer());
  if (vocab.kind == TokenizerKind::ByteLevelBpe && vocab.pre_tokenizer == PreTokenizer::Whole)
    return bad("a byte-level BPE tokenizer needs a pre-tokenizer");
  // A padded vocabulary has more embedding rows than tokens; the ids past the tokenizer's are
  // never produced (Session::logits stops at the last token), so every id below is a token's.
  if (!tok.pieces() || tok.pieces()->size() == 0 || tok.pieces()->size() > vocab_size)
    return bad("tokenizer has " + std::to_string(tok.pieces() ? tok.pieces()->size() : 0) +
               " pieces, vocab_size is " + std::to_string(vocab_size));
  const uint32_t n_tokens = tok.pieces()->size();
  if (!tok.scores() || tok.scores()->size() != n_tokens) return bad("tokenizer scores do not match its pieces");
  if (!tok.types() || tok.types()->size() != n_tokens) return bad("tokenizer types do not match its pieces");
  auto id_ok = [&](int32_t id) { return id >= -1 && id < int32_t(n_tokens); };
  if (!id_ok(tok.bos_id()) || !id_ok(tok.eos_id()) || !id_ok(tok.unk_id()) || !id_ok(tok.pad_id()))
    return bad("special token id outside the vocabulary");
  vocab.pieces.reserve(n_tokens);
  for (const flatbuffers::String* piece : *tok.pieces()) vocab.pieces.emplace_back(piece->c_str(), piece->size());
  vocab.scores.assign(tok.scores()->begin(), tok.scores()->end());
  for (auto type : *tok.types()) {
    if (uint8_t(type) > uint8_t(fb::TokenType::MAX)) return bad("unknown token type " + std::to_string(int(type)));
    vocab.types.push_back(TokenType(type));
  }
  if (tok.merges()) {
    vocab.merges.reserve(tok.merges()->size());
    for (const fb::TokenMerge* m : *tok.merges()) {
      if (!id_ok(m->left()) || !id_ok(m->right()) || !id_ok(m->result()) || m->left() < 0 || m->right() < 0 ||
          m->result() < 0)
        return bad("tokenizer merge " + std::to_string(vocab.merges.size()) + " names a token outside the vocabulary");
      vocab.merges.push_back({m->left(), m->right(), m->result()});
    }
  }
  vocab.ignore_merges = tok.ignore_merges();
  vocab.bos_id = tok.bos_id();
  vocab.eos_id = tok.eos_id();
  vocab.unk_id = tok.unk_id();
  vocab.add_bos = tok.add_bos();
  vocab.add_space_prefix = tok.add_space_prefix();
  return {};
}

Status read_family(const fb::Family* f, const Hyperparameters& hp, FamilyOptions& family) {
  if (!f) return {};  // a Llama model
  if (uint8_t(f->norm()) > uint8_t(fb::NormKind::MAX)) return bad("unknown norm kind " + std::to_string(int(f->norm())));
  if (uint8_t(f->activation()) > uint8_t(fb::Activation::MAX))
    return bad("unknown activation " + std::to_string(int(f->activation())));
  family.norm = NormKind(f->norm());
  family.activation = Activation(f->activation());
  family.embedding_scale = f->embedding_scale();
  family.attention_scale = f->attention_scale();
  family.attention_softcap = f->attention_softcap();
  family.output_softcap = f->output_softcap();
  family.sliding_window = f->sliding_window();
  family.learned_positions = f->learned_positions();
  family.rope_long_context = f->rope_long_context();
  auto finite_at_least = [](float v, float low) { return std::isfinite(v) && v >= low; };
  if (!finite_at_least(family.embedding_scale, 0.0f) || family.embedding_scale == 0.0f)
    return bad("embedding_scale must be positive");
  if (!finite_at_least(family.attention_scale, 0.0f)) return bad("attention_scale must be positive or 0");
  if (!finite_at_least(family.attention_softcap, 0.0f) || !finite_at_least(family.output_softcap, 0.0f))
    return bad("soft-capping values must be positive or 0");
  if (const auto* sliding = f->sliding_layers(); sliding && sliding->size() != 0) {
    if (sliding->size() != hp.n_layers)
      return bad("sliding_layers has " + std::to_string(sliding->size()) + " entries for " +
                 std::to_string(hp.n_layers) + " layers");
    family.sliding_layers.assign(sliding->begin(), sliding->end());
  }
  return {};
}

// Frequencies from the file's rope_freqs tensors, or theta^(-2i/head_dim) computed here.
Status read_rope_frequencies(const TensorResolver& resolve, const Hyperparameters& hp, const FamilyOptions& family,
                             std::vector<float>& global, std::vector<float>& long_context,
                             std::vector<float>& sliding) {
  const uint64_t half = hp.head_dim / 2;
  auto load = [&](const char* name, std::vector<float>& out) -> Status {
    auto view = resolve.optional(name, {half});
    if (!view) return view.error();
    if (!view->data) return {};
    if (view->dtype != DType::F32) return bad(std::string("tensor '") + name + "' must be f32");
    const float* values = static_cast<const float*>(view->data);
    out.assign(values, values + half);
    for (float v : out)
      if (!std::isfinite(v) || v <= 0) return bad(std::string("tensor '") + name + "' holds a frequency that is not positive");
    return {};
  };
  if (Status s = load("rope_freqs", global); !s) return s;
  if (Status s = load("rope_freqs_long", long_context); !s) return s;
  if (Status s = load("rope_freqs_swa", sliding); !s) return s;
  if (global.empty()) {
    for (uint64_t i = 0; i < half; ++i)
      global.push_back(float(std::pow(double(hp.rope_theta), -double(2 * i) / double(hp.head_dim))));
  }
  if (family.rope_long_context && long_context.empty()) return bad("rope_long_context is set but rope_freqs_long is missing");
  return {};
}

Status read_chat_template(const fb::ChatTemplate& t, uint32_t vocab_size, ChatTemplate& chat) {
  if (uint8_t(t.kind()) > uint8_t(fb::ChatTemplateKind::MAX))
    return bad("unknown chat template kind " + std::to_string(int(t.kind())) + " (a newer converter?)");
  chat.present = true;
  chat.kind = ChatTemplateKind(t.kind());
  if (t.default_system()) {
    chat.has_default_system = true;
    chat.default_system = std::string_view(t.default_system()->c_str(), t.default_system()->size());
  }
  chat.bos_in_template = t.bos_in_template();
  if (t.stop_ids()) {
    for (int32_t id : *t.stop_ids()) {
      if (id < 0 || id >= int32_t(vocab_size)) return bad("chat template stop token " + std::to_string(id) + " is outside the vocabulary");
      chat.stop_ids.push_back(id);
    }
  }
  if (t.source()) chat.source = std::string_view(t.source()->c_str(), t.source()->size());
  chat.skip_empty_system = t.skip_empty_system();
  chat.drop_history_reasoning = t.drop_history_reasoning();
  if (t.system_preamble()) chat.system_preamble = std::string_view(t.system_preamble()->c_str(), t.system_preamble()->size());
  if (t.date_format()) chat.date_format = std::string_view(t.date_format()->c_str(), t.date_format()->size());
  chat.compact_turns = t.compact_turns();
  chat.drop_all_reasoning = t.drop_all_reasoning();
  if (t.think_off_prefix()) chat.think_off_prefix = std::string_view(t.think_off_prefix()->c_str(), t.think_off_prefix()->size());
  chat.think_off_by_default = t.think_off_by_default();
  chat.think_off_history = t.think_off_history();
  chat.system_think_flags = t.system_think_flags();
  if (t.default_system_no_think()) {
    chat.has_default_system_no_think = true;
    chat.default_system_no_think =
        std::string_view(t.default_system_no_think()->c_str(), t.default_system_no_think()->size());
  }
  chat.reply_lstrip_newlines = t.reply_lstrip_newlines();
  if (t.system_close()) {
    chat.has_system_close = true;
    chat.system_close = std::string_view(t.system_close()->c_str(), t.system_close()->size());
  }
  return {};
}

}  // namespace

const char* chat_template_name(ChatTemplateKind kind) {
  switch (kind) {
    case ChatTemplateKind::ChatMl: return "chatml";
    case ChatTemplateKind::Llama2: return "llama2";
    case ChatTemplateKind::Llama3: return "llama3";
    case ChatTemplateKind::Phi3: return "phi3";
    case ChatTemplateKind::Gemma: return "gemma";
    case ChatTemplateKind::Zephyr: return "zephyr";
    case ChatTemplateKind::Granite: return "granite";
    case ChatTemplateKind::Mistral: return "mistral";
    case ChatTemplateKind::DeepSeek: return "deepseek";
  }
  return "unknown";
}

Model::~Model() = default;

Result<std::shared_ptr<const Model>> Model::open(const std::string& path) {
  auto mapping = MappedFile::open(path);
  if (!mapping) return mapping.error();
  std::shared_ptr<Model> model(new Model());
  model->mapping_ = std::move(mapping.value());
  Status status = model->parse(model->mapping_->data(), model->mapping_->size());
  if (!status) return Error(path + ": " + status.message());
  return std::shared_ptr<const Model>(std::move(model));
}

Result<std::shared_ptr<const Model>> Model::from_buffer(const void* data, size_t size) {
  std::shared_ptr<Model> model(new Model());
  Status status = model->parse(static_cast<const uint8_t*>(data), size);
  if (!status) return Error(status.message());
  return std::shared_ptr<const Model>(std::move(model));
}

Status Model::parse(const uint8_t* data, size_t size) {
  size_ = size;
  if (size < 8) return bad("file is too small (" + std::to_string(size) + " bytes)");
  uint32_t meta_size;
  std::memcpy(&meta_size, data, 4);
  if (uint64_t(meta_size) + 4 > size)
    return bad("metadata size " + std::to_string(meta_size) + " exceeds the file size " + std::to_string(size) +
               " (truncated file?)");
  if (reinterpret_cast<uintptr_t>(data) % kTensorAlignment != 0) return bad("buffer is not 64-byte aligned");
  if (meta_size < 8 || !flatbuffers::BufferHasIdentifier(data, fb::ModelIdentifier(), /*size_prefixed=*/true))
    return bad("not a sprig model (file identifier is not \"SPRG\")");
  flatbuffers::Verifier verifier(data, size_t(meta_size) + 4);
  if (!fb::VerifySizePrefixedModelBuffer(verifier)) return bad("metadata fails FlatBuffers verification (corrupted file?)");
  const fb::Model& m = *fb::GetSizePrefixedModel(data);
  if (m.schema_major() != kSchemaMajor)
    return bad("schema major version " + std::to_string(m.schema_major()) + " is not supported (this runtime reads " +
               std::to_string(kSchemaMajor) + ")");
  if (uint8_t(m.architecture()) > uint8_t(fb::Architecture::MAX))
    return bad("unknown architecture " + std::to_string(int(m.architecture())) +
               " (a newer converter wrote this file; update the runtime)");

  const fb::Hyperparameters& h = *m.hparams();
  if (m.vocab_only()) {
    // Only the tokenizer is there: nothing to check but the vocabulary and an empty tensor list.
    vocab_only_ = true;
    hparams_.vocab_size = h.vocab_size();
    if (hparams_.vocab_size == 0 || hparams_.vocab_size > kMaxVocab) return bad("vocab_size out of range");
    if (m.tensors()->size() != 0) return bad("a vocab-only file holds tensors");
    if (Status s = read_vocabulary(*m.tokenizer(), hparams_.vocab_size, vocab_); !s) return s;
    return m.chat_template() ? read_chat_template(*m.chat_template(), uint32_t(vocab_.pieces.size()), chat_template_)
                             : Status{};
  }
  hparams_ = {h.dim(),      h.n_layers(),      h.n_heads(),    h.n_kv_heads(), h.head_dim(),  h.ffn_dim(),
              h.vocab_size(), h.max_positions(), h.rope_theta(), h.norm_eps(),   h.tied_output()};
  if (Status s = check_hparams(hparams_); !s) return s;
  if (Status s = read_vocabulary(*m.tokenizer(), hparams_.vocab_size, vocab_); !s) return s;
  if (m.chat_template())
    if (Status s = read_chat_template(*m.chat_template(), uint32_t(vocab_.pieces.size()), chat_template_); !s)
      return s;
  if (m.generation()) {
    if (Status s = read_generation_defaults(*m.generation(), uint32_t(vocab_.pieces.size()), generation_defaults_); !s)
      return s;
    vocab_.stop_ids = generation_defaults_.stop_ids;
  }
  if (const fb::Provenance* p = m.provenance()) {
    auto text = [](const flatbuffers::String* s) { return s ? s->str() : std::string(); };
    provenance_ = {text(p->source()), text(p->source_format()), text(p->converter_version()), text(p->options())};
  }

  const uint64_t segment_start = (uint64_t(meta_size) + 4 + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  if (segment_start > size) return bad("data segment starts past the end of the file");
  auto tensors = index_tensors(m, data + segment_start, size - segment_start);
  if (!tensors) return tensors.error();
  for (const auto& [name, entry] : tensors.value()) weight_bytes_ += entry.size;

  family_.architecture = Architecture(m.architecture());
  if (Status s = read_family(m.family(), hparams_, family_); !s) return s;

  const Hyperparameters& hp = hparams_;
  TensorResolver resolve(tensors.value());
  SPRIG_TRY_ASSIGN(token_embedding_, resolve.get("token_embd", {hp.vocab_size, hp.dim}));
  SPRIG_TRY_ASSIGN(output_norm_, resolve.get("output_norm", {hp.dim}));
  if (hp.tied_output) {
    output_ = token_embedding_;
  } else {
    SPRIG_TRY_ASSIGN(output_, resolve.get("output", {hp.vocab_size, hp.dim}));
  }
  for (uint32_t i = 0; i < hp.n_layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    LayerWeights w;
    SPRIG_TRY_ASSIGN(w.attn_norm, resolve.get(p + "attn_norm", {hp.dim}));
    SPRIG_TRY_ASSIGN(w.wq, resolve.get(p + "attn_q", {hp.q_dim(), hp.dim}));
    SPRIG_TRY_ASSIGN(w.wk, resolve.get(p + "attn_k", {hp.kv_dim(), hp.dim}));
    SPRIG_TRY_ASSIGN(w.wv, resolve.get(p + "attn_v", {hp.kv_dim(), hp.dim}));
    SPRIG_TRY_ASSIGN(w.wo, resolve.get(p + "attn_output", {hp.dim, hp.q_dim()}));
    SPRIG_TRY_ASSIGN(w.ffn_norm, resolve.get(p + "ffn_norm", {hp.dim}));
    if (family_.activation != Activation::GeluTanh)
      SPRIG_TRY_ASSIGN(w.w_gate, resolve.get(p + "ffn_gate", {hp.ffn_dim, hp.dim}));
    SPRIG_TRY_ASSIGN(w.w_up, resolve.get(p + "ffn_up", {hp.ffn_dim, hp.dim}));
    SPRIG_TRY_ASSIGN(w.w_down, resolve.get(p + "ffn_down", {hp.dim, hp.ffn_dim}));
    if (family_.norm == NormKind::LayerNorm) {
      SPRIG_TRY_ASSIGN(w.attn_norm_bias, resolve.get(p + "attn_norm_bias", {hp.dim}));
      SPRIG_TRY_ASSIGN(w.ffn_norm_bias, resolve.get(p + "ffn_norm_bias", {hp.dim}));
    }
    SPRIG_TRY_ASSIGN(w.bq, resolve.optional(p + "attn_q_bias", {hp.q_dim()}));
    SPRIG_TRY_ASSIGN(w.bk, resolve.optional(p + "attn_k_bias", {hp.kv_dim()}));
    SPRIG_TRY_ASSIGN(w.bv, resolve.optional(p + "attn_v_bias", {hp.kv_dim()}));
    SPRIG_TRY_ASSIGN(w.bo, resolve.optional(p + "attn_output_bias", {hp.dim}));
    SPRIG_TRY_ASSIGN(w.b_up, resolve.optional(p + "ffn_up_bias", {hp.ffn_dim}));
    SPRIG_TRY_ASSIGN(w.b_down, resolve.optional(p + "ffn_down_bias", {hp.dim}));
    SPRIG_TRY_ASSIGN(w.q_norm, resolve.optional(p + "attn_q_norm", {hp.head_dim}));
    SPRIG_TRY_ASSIGN(w.k_norm, resolve.optional(p + "attn_k_norm", {hp.head_dim}));
    SPRIG_TRY_ASSIGN(w.attn_post_norm, resolve.optional(p + "attn_post_norm", {hp.dim}));
    SPRIG_TRY_ASSIGN(w.ffn_post_norm, resolve.optional(p + "ffn_post_norm", {hp.dim}));
    if (!w.q_norm.data != !w.k_norm.data) return bad("layer " + std::to_string(i) + " has only one of attn_q_norm, attn_k_norm");
    w.sliding = family_.is_sliding(i);
    layers_.push_back(w);
  }
  if (family_.norm == NormKind::LayerNorm)
    SPRIG_TRY_ASSIGN(output_norm_bias_, resolve.get("output_norm_bias", {hp.dim}));
  if (family_.learned_positions)
    SPRIG_TRY_ASSIGN(position_embedding_, resolve.get("position_embd", {hp.max_positions, hp.dim}));
  if (Status s = read_rope_frequencies(resolve, hp, family_, rope_freqs_, rope_freqs_long_, rope_freqs_swa_); !s)
    return s;
  // Norm weights are read as f32 by every kernel.
  auto is_f32 = [](const TensorView& t) { return t.dtype == DType::F32; };
  auto absent_or_f32 = [&](const TensorView& t) { return !t.data || is_f32(t); };
  for (const LayerWeights& w : layers_) {
    if (!is_f32(w.attn_norm) || !is_f32(w.ffn_norm)) return bad("norm weights must be f32");
    for (const TensorView* t : {&w.attn_norm_bias, &w.ffn_norm_bias, &w.bq, &w.bk, &w.bv, &w.bo, &w.b_up, &w.b_down,
                                &w.q_norm, &w.k_norm, &w.attn_post_norm, &w.ffn_post_norm})
      if (!absent_or_f32(*t)) return bad("norm weights and biases must be f32");
  }
  if (!is_f32(output_norm_) || !absent_or_f32(output_norm_bias_)) return bad("norm weights must be f32");
  return {};
}

std::span<const float> Model::rope_frequencies(bool sliding, bool long_context) const {
  if (sliding && !rope_freqs_swa_.empty()) return rope_freqs_swa_;
  if (long_context && !rope_freqs_long_.empty()) return rope_freqs_long_;
  return rope_freqs_;
}

const char* architecture_name(Architecture architecture) {
  switch (architecture) {
    case Architecture::Llama: return "llama";
    case Architecture::Qwen2: return "qwen2";
    case Architecture::Qwen3: return "qwen3";
    case Architecture::Gemma2: return "gemma2";
    case Architecture::Gemma3: return "gemma3";
    case Architecture::Phi3: return "phi3";
    case Architecture::Gpt2: return "gpt2";
  }
  return "unknown";
}

}  // namespace sprig
