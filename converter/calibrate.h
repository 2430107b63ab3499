// Activation statistics for activation-aware quantization: run the model on a calibration text
// and record, for every matrix, the mean square of each input column. Columns that carry large
// activations multiply their weights' errors by as much, so the quantizer weights them more.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "checkpoint.h"

namespace sprig::convert {

using ColumnImportance = std::map<std::string, std::vector<float>>;

// Writes an f16 copy of the model to `scratch_path` to run it (removed again), then feeds at most
// `max_tokens` tokens of the text in windows of the model's context (up to 512).
ColumnImportance measure_activations(const Checkpoint& checkpoint, const std::string& text_path,
                                     const std::string& scratch_path, uint32_t max_tokens);

}  // namespace sprig::convert
