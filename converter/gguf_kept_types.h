// A GGUF file that is already quantized keeps its bits by default: each matrix is stored in the
// sprig type nearest at or above the bits per weight of its GGUF type, instead of f32.
#pragma once

#include <string>

#include "checkpoint.h"
#include "model_writer.h"

namespace sprig::convert {

// The sprig type for a GGUF tensor type name ("Q8_0", "Q4_K", "F16", ...): F32 -> f32, F16 and
// BF16 -> f16, Q8_0 -> q8 (8.5 bits), Q4_0 -> q4 (4.5), Q4_1 -> q4a (5), Q4_K -> q4a (its 4.5
// bits are an affine 16-level grid per 32 values, which q4a's scale and minimum hold; q4's
// symmetric grid would quantize the values again), Q5_0/Q5_1/Q5_K/Q6_K -> q8 (sprig has nothing
// between 5 and 8.5 bits), Q2_K/Q3_K -> q4. Unknown names: nullopt.
std::optional<DType> kept_type(const std::string& gguf_type);

// Fills options.tensor_dtypes (all matrices, or all but the embedding and head when
// `keep_head_option` is false, because --head chose them) and returns the summary line, one
// entry per GGUF type: "Q4_K -> q4a (12 tensors)". The quantizer's search keeps the candidate
// scale with the least error, so where the GGUF's grid is among its candidates it is found again.
std::string keep_gguf_types(const Checkpoint& checkpoint, bool keep_head, WriteOptions& options);

}  // namespace sprig::convert
