// Writes a checkpoint as one sprig model file.
#pragma once

#include <cstdint>
#include <string>

#include "checkpoint.h"

namespace sprig::convert {

struct WriteOptions {
  DType dtype = DType::F32;   // for matrices; vectors (norm weights) stay f32
  std::string options_text;   // recorded as provenance
};

struct WriteSummary {
  uint64_t parameters = 0;
  uint64_t file_bytes = 0;
};

// Writes to a temporary name and renames at the end, so a failed conversion leaves no file.
WriteSummary write_model(const Checkpoint& checkpoint, const std::string& path, const WriteOptions& options);
// Writes a vocab-only model file: the tokenizer and no weights. Returns the file's size.
uint64_t write_tokenizer_model(const TokenizerData& tokenizer, const std::string& source, const std::string& path);

}  // namespace sprig::convert
