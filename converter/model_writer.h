// Writes a checkpoint as one sprig model file.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkpoint.h"
#include "quantize.h"

namespace sprig::convert {

// Which dtype each tensor gets. Norm weights (vectors) always stay f32.
struct WriteOptions {
  DType dtype = DType::F32;       // the transformer blocks' matrices
  DType head_dtype = DType::F32;  // the token embedding and the output head
  uint32_t group = 32;            // for quantized dtypes
  QuantMethod method = QuantMethod::Search;
  // Per tensor name, how much each input column's error counts (from calibration); may be empty.
  // Without it, the search estimates importance from the norm weights (norm_importance.h).
  std::map<std::string, std::vector<float>> importance;
  ImportanceSource importance_source = ImportanceSource::Activations;
  std::string options_text;       // recorded as provenance
  // Per matrix name, a dtype that replaces dtype/head_dtype (a quantized GGUF keeping its bits).
  std::map<std::string, DType> tensor_dtypes;
  // Said in the recipe instead of the blocks/embedding dtypes when tensor_dtypes decides.
  std::string recipe_override;
  bool report = false;            // print each tensor's dtype and size to stderr
};

// The recipe's default head dtype for a given matrix dtype: the embedding and output head feed and
// read every token, so they stay a step above the blocks: q8 for the 4-bit recipes, f16 for q8
// (whose matvec keeps the activations in f32; measured in docs/quantization.md).
DType default_head_dtype(DType dtype);

struct WriteSummary {
  uint64_t parameters = 0;
  uint64_t file_bytes = 0;
  std::string recipe;
  // Set when block-quantized source tensors (GGUF Q8_0, Q4_0, Q4_K, Q6_K) are quantized again.
  std::string warning;
};

// The warning for re-quantizing already quantized tensors, or "" when nothing is quantized twice.
std::string requantization_warning(const Checkpoint& checkpoint, const WriteOptions& options);

// Writes to a temporary name and renames at the end, so a failed conversion leaves no file.
WriteSummary write_model(const Checkpoint& checkpoint, const std::string& path, const WriteOptions& options);
// Writes a vocab-only model file: the tokenizer and no weights. Returns the file's size.
uint64_t write_tokenizer_model(const TokenizerData& tokenizer, const std::string& source, const std::string& path);

}  // namespace sprig::convert
