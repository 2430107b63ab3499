#include "model_writer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "model_generated.h"
#include "norm_importance.h"
#include "sprig/half.h"
#include "version.h"

namespace sprig::convert {
namespace {

namespace fb = sprig::schema;

uint64_t align(uint64_t value) { return (value + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment; }

DType stored_dtype(const SourceTensor& tensor, const WriteOptions& options) {
  if (tensor.shape.size() == 1) return DType::F32;
  if (auto it = options.tensor_dtypes.find(tensor.name); it != options.tensor_dtypes.end()) return it->second;
  if (tensor.name == "token_embd" || tensor.name == "output" || tensor.name == "position_embd") return options.head_dtype;
  return options.dtype;
}

uint64_t element_count(const SourceTensor& tensor) {
  uint64_t count = 1;
  for (uint64_t d : tensor.shape) count *= d;
  return count;
}

uint64_t stored_bytes(const SourceTensor& tensor, const WriteOptions& options) {
  const uint64_t count = element_count(tensor);
  const uint64_t rows = tensor.shape.size() > 1 ? tensor.shape[0] : 1;
  return tensor_layout(stored_dtype(tensor, options), rows, count / rows, options.group).total_bytes;
}

std::string recipe_text(const WriteOptions& options) {
  if (!options.recipe_override.empty()) return options.recipe_override;
  auto describe = [&](DType dtype) {
    std::string text = dtype_name(dtype);
    if (is_quantized(dtype))
      text += " g" + std::to_string(options.group) + (options.method == QuantMethod::Rtn ? " rtn" : " search");
    const bool calibrated = !options.importance.empty() && options.importance_source == ImportanceSource::Activations;
    if (is_quantized(dtype) && calibrated) text += " calibrated";
    return text;
  };
  return "blocks " + describe(options.dtype) + "; embedding/output " + describe(options.head_dtype) + "; norms f32";
}

flatbuffers::Offset<fb::Tokenizer> build_tokenizer(flatbuffers::FlatBufferBuilder& builder, const TokenizerData& tok) {
  std::vector<uint8_t> types;
  for (TokenType t : tok.types) types.push_back(uint8_t(t));
  auto pieces = builder.CreateVectorOfStrings(tok.pieces);
  auto scores = builder.CreateVector(tok.scores);
  auto type_vector = builder.CreateVector(reinterpret_cast<const fb::TokenType*>(types.data()), types.size());
  std::vector<fb::TokenMerge> merges;
  merges.reserve(tok.merges.size());
  for (const TokenMerge& m : tok.merges) merges.emplace_back(m.left, m.right, m.result);
  auto merge_vector = builder.CreateVectorOfStructs(merges);
  fb::TokenizerBuilder t(builder);
  t.add_kind(fb::TokenizerKind(tok.kind));
  t.add_pre_tokenizer(fb::PreTokenizer(tok.pre_tokenizer));
  t.add_normalizer(fb::Normalizer(tok.normalizer));
  if (!tok.merges.empty()) t.add_merges(merge_vector);
  t.add_ignore_merges(tok.ignore_merges);
  t.add_pieces(pieces);
  t.add_scores(scores);
  t.add_types(type_vector);
  t.add_bos_id(tok.bos_id);
  t.add_eos_id(tok.eos_id);
  t.add_unk_id(tok.unk_id);
  t.add_pad_id(tok.pad_id);
  t.add_add_bos(tok.add_bos);
  t.add_add_space_prefix(tok.add_space_prefix);
  return t.Finish();
}

void write_tensor_bytes(std::ofstream& out, const SourceTensor& tensor, DType dtype, const WriteOptions& options,
                        const std::string& source) {
  const std::vector<float> values = tensor.load();
  for (size_t i = 0; i < values.size(); ++i)
    if (!std::isfinite(values[i]))
      throw ConvertError(source + ": tensor '" + tensor.name + "' holds " + (std::isnan(values[i]) ? "NaN" : "Inf") +
                         " at element " + std::to_string(i));
  if (dtype == DType::F32) {
    out.write(reinterpret_cast<const char*>(values.data()), std::streamsize(values.size() * 4));
    return;
  }
  if (is_quantized(dtype)) {
    const uint64_t rows = tensor.shape[0];
    static const std::vector<float> kNoImportance;
    auto it = options.importance.find(tensor.name);
    const std::vector<float>& importance = it == options.importance.end() ? kNoImportance : it->second;
    const std::vector<uint8_t> bytes = quantize_matrix(values.data(), rows, values.size() / rows, dtype, options.group,
                                                       options.method, importance, options.importance_source);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return;
  }
  std::vector<uint16_t> halves(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::fabs(values[i]) > 65504.0f)
      throw ConvertError(source + ": tensor '" + tensor.name + "' holds " + std::to_string(values[i]) +
                         ", which f16 cannot represent; use --dtype f32");
    halves[i] = f32_to_f16(values[i]);
  }
  out.write(reinterpret_cast<const char*>(halves.data()), std::streamsize(halves.size() * 2));
}

// Writes the finished metadata and then each tensor on its 64-byte boundary, to a temporary
// name renamed at the end.
uint64_t write_file(const flatbuffers::FlatBufferBuilder& builder, const Checkpoint& checkpoint, const std::string& path,
                    const WriteOptions& options) {
  const std::string temporary = path + ".partial";
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  if (!out) throw ConvertError(path + ": cannot write");
  try {
    static const char zeros[kTensorAlignment] = {};
    auto pad_to = [&](uint64_t position) { out.write(zeros, std::streamsize(position - uint64_t(out.tellp()))); };
    out.write(reinterpret_cast<const char*>(builder.GetBufferPointer()), builder.GetSize());
    const uint64_t segment_start = align(builder.GetSize());
    uint64_t position = 0;
    for (size_t i = 0; i < checkpoint.tensors.size(); ++i) {
      const SourceTensor& t = checkpoint.tensors[i];
      pad_to(segment_start + position);
      const DType dtype = stored_dtype(t, options);
      write_tensor_bytes(out, t, dtype, options, checkpoint.source);
      position = align(position + stored_bytes(t, options));
      if (options.report)
        std::fprintf(stderr, "[%3zu/%zu] %-22s %-5s %10.3f MB\n", i + 1, checkpoint.tensors.size(), t.name.c_str(),
                     dtype_name(dtype), double(stored_bytes(t, options)) / 1e6);
    }
    if (checkpoint.tensors.empty()) pad_to(segment_start);
    out.close();
    if (!out) throw ConvertError(path + ": write failed (disk full?)");
    const uint64_t bytes = std::filesystem::file_size(temporary);
    std::filesystem::rename(temporary, path);
    return bytes;
  } catch (...) {
    out.close();
    std::remove(temporary.c_str());
    throw;
  }
}

// The root table, in the current schema version, as the last thing in the buffer.
void finish_model(flatbuffers::FlatBufferBuilder& builder, flatbuffers::Offset<fb::Hyperparameters> hparams,
                  flatbuffers::Offset<fb::Tokenizer> tokenizer,
                  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Tensor>>> tensors,
                  flatbuffers::Offset<fb::Provenance> provenance, const ChatTemplateData& chat, bool vocab_only,
                  Architecture architecture = Architecture::Llama,
                  flatbuffers::Offset<fb::Family> family = 0,
                  flatbuffers::Offset<fb::GenerationDefaults> generation = 0) {
  flatbuffers::Offset<fb::ChatTemplate> chat_template;
  if (chat.present)
    chat_template = fb::CreateChatTemplateDirect(builder, fb::ChatTemplateKind(chat.kind),
                                                 chat.has_default_system ? chat.default_system.c_str() : nullptr,
                                                 chat.bos_in_template, &chat.stop_ids, chat.source.c_str(),
                                                 chat.skip_empty_system, chat.drop_history_reasoning,
                                                 chat.system_preamble.empty() ? nullptr : chat.system_preamble.c_str(),
                                                 chat.date_format.empty() ? nullptr : chat.date_format.c_str(),
                                                 chat.compact_turns, chat.drop_all_reasoning,
                                                 chat.think_off_prefix.empty() ? nullptr : chat.think_off_prefix.c_str(),
                                                 chat.think_off_by_default, chat.think_off_history,
                                                 chat.system_think_flags,
                                                 chat.has_default_system_no_think ? chat.default_system_no_think.c_str()
                                                                                  : nullptr,
                                                 chat.reply_lstrip_newlines,
                                                 chat.has_system_close ? chat.system_close.c_str() : nullptr);
  fb::ModelBuilder model(builder);
  model.add_schema_major(kSchemaMajor);
  model.add_schema_minor(kSchemaMinor);
  model.add_architecture(fb::Architecture(architecture));
  if (!family.IsNull()) model.add_family(family);
  model.add_hparams(hparams);
  model.add_tokenizer(tokenizer);
  model.add_tensors(tensors);
  model.add_provenance(provenance);
  if (vocab_only) model.add_vocab_only(true);
  if (chat.present) model.add_chat_template(chat_template);
  if (!generation.IsNull()) model.add_generation(generation);
  fb::FinishSizePrefixedModelBuffer(builder, model.Finish());
}

// The Family table; none for a plain Llama model, which old runtimes read as before.
flatbuffers::Offset<fb::Family> build_family(flatbuffers::FlatBufferBuilder& builder, const FamilyOptions& f) {
  const FamilyOptions llama;
  if (f.architecture == Architecture::Llama && f.norm == llama.norm && f.activation == llama.activation &&
      f.embedding_scale == 1.0f && f.attention_scale == 0.0f && f.attention_softcap == 0.0f && f.output_softcap == 0.0f &&
      f.sliding_window == 0 && !f.learned_positions && f.rope_long_context == 0)
    return 0;
  std::vector<uint8_t> sliding(f.sliding_layers.begin(), f.sliding_layers.end());
  auto sliding_vector = builder.CreateVector(sliding);
  fb::FamilyBuilder b(builder);
  b.add_norm(fb::NormKind(f.norm));
  b.add_activation(fb::Activation(f.activation));
  b.add_embedding_scale(f.embedding_scale);
  b.add_attention_scale(f.attention_scale);
  b.add_attention_softcap(f.attention_softcap);
  b.add_output_softcap(f.output_softcap);
  b.add_sliding_window(f.sliding_window);
  if (!sliding.empty()) b.add_sliding_layers(sliding_vector);
  b.add_learned_positions(f.learned_positions);
  b.add_rope_long_context(f.rope_long_context);
  return b.Finish();
}

// The GenerationDefaults table; none without a generation_config.json.
flatbuffers::Offset<fb::GenerationDefaults> build_generation(flatbuffers::FlatBufferBuilder& builder,
                                                             const GenerationData& g) {
  if (!g.present) return 0;
  auto stops = builder.CreateVector(g.stop_ids);
  fb::GenerationDefaultsBuilder b(builder);
  if (!g.stop_ids.empty()) b.add_stop_ids(stops);
  if (g.temperature) b.add_temperature(*g.temperature);
  if (g.top_p) b.add_top_p(*g.top_p);
  if (g.top_k) b.add_top_k(*g.top_k);
  return b.Finish();
}

}  // namespace

std::string requantization_warning(const Checkpoint& checkpoint, const WriteOptions& options) {
  std::string twice;
  for (const SourceTensor& t : checkpoint.tensors) {
    // Types kept from the source (gguf_kept_types.h) are written on the source's own grid.
    if (options.tensor_dtypes.count(t.name)) continue;
    const bool quantized_source = t.source_dtype == "Q8_0" || t.source_dtype == "Q4_0" || t.source_dtype == "Q4_1" ||
                                  t.source_dtype == "Q4_K" || t.source_dtype == "Q6_K";
    if (quantized_source && is_quantized(stored_dtype(t, options))) {
      if (!twice.empty()) twice += ", ";
      twice += t.name + " (" + t.source_dtype + ")";
      if (twice.size() > 200) {
        twice += ", ...";
        break;
      }
    }
  }
  if (twice.empty()) return "";
  return "warning: quantizing already quantized tensors again loses more accuracy than quantizing the original "
         "checkpoint once; convert from the f16/bf16/f32 original when you have it. Quantized twice: " + twice;
}

DType default_head_dtype(DType dtype) {
  if (dtype == DType::Q4 || dtype == DType::Q4A) return DType::Q8;
  return dtype == DType::Q8 ? DType::F16 : dtype;
}

uint64_t write_tokenizer_model(const TokenizerData& tokenizer, const std::string& source, const std::string& path) {
  validate_tokenizer(tokenizer, source);
  flatbuffers::FlatBufferBuilder builder(1 << 20);
  auto tensor_vector = builder.CreateVector(std::vector<flatbuffers::Offset<fb::Tensor>>());
  fb::HyperparametersBuilder h(builder);
  h.add_vocab_size(uint32_t(tokenizer.pieces.size()));
  auto hparams = h.Finish();
  auto tok = build_tokenizer(builder, tokenizer);
  auto provenance = fb::CreateProvenanceDirect(builder, source.c_str(), tokenizer.source_format.c_str(),
                                               kConverterVersion, "--tokenizer-only");
  finish_model(builder, hparams, tok, tensor_vector, provenance, tokenizer.chat, /*vocab_only=*/true);
  Checkpoint empty;
  empty.source = source;
  return write_file(builder, empty, path, WriteOptions{});
}

WriteSummary write_model(const Checkpoint& checkpoint, const std::string& path, const WriteOptions& given) {
  validate(checkpoint);
  WriteOptions options = given;
  if (options.importance.empty() && options.method == QuantMethod::Search &&
      (is_quantized(options.dtype) || is_quantized(options.head_dtype))) {
    options.importance = norm_importance(checkpoint);
    options.importance_source = ImportanceSource::NormWeights;
  }
  const Hyperparameters& hp = checkpoint.hparams;
  flatbuffers::FlatBufferBuilder builder(1 << 20);

  WriteSummary summary;
  std::vector<flatbuffers::Offset<fb::Tensor>> tensors;
  uint64_t offset = 0;
  for (const SourceTensor& t : checkpoint.tensors) {
    const DType dtype = stored_dtype(t, options);
    const uint64_t size = stored_bytes(t, options);
    tensors.push_back(fb::CreateTensorDirect(builder, t.name.c_str(), fb::DType(dtype), &t.shape, offset, size,
                                             is_quantized(dtype) ? options.group : 0));
    offset = align(offset + size);
    summary.parameters += element_count(t);
  }
  auto tensor_vector = builder.CreateVector(tensors);
  auto hparams = fb::CreateHyperparameters(builder, hp.dim, hp.n_layers, hp.n_heads, hp.n_kv_heads, hp.head_dim,
                                           hp.ffn_dim, hp.vocab_size, hp.max_positions, hp.rope_theta, hp.norm_eps,
                                           hp.tied_output);
  auto tokenizer = build_tokenizer(builder, checkpoint.tokenizer);
  auto provenance = fb::CreateProvenanceDirect(builder, checkpoint.source.c_str(), checkpoint.source_format.c_str(),
                                               kConverterVersion, options.options_text.c_str(),
                                               recipe_text(options).c_str());
  auto family = build_family(builder, checkpoint.family);
  auto generation = build_generation(builder, checkpoint.generation);
  finish_model(builder, hparams, tokenizer, tensor_vector, provenance, checkpoint.tokenizer.chat,
               /*vocab_only=*/false, checkpoint.family.architecture, family, generation);

  summary.file_bytes = write_file(builder, checkpoint, path, options);
  summary.recipe = recipe_text(options);
  summary.warning = requantization_warning(checkpoint, options);
  return summary;
}

}  // namespace sprig::convert
