// Weight quantization for the model file's q8, q4 and q4a formats (sprig/tensor_format.h).
#pragma once

#include <cstdint>
#include <vector>

#include "sprig/tensor_format.h"

namespace sprig::convert {

enum class QuantMethod {
  Rtn,     // absmax scale, round to nearest: the baseline
  Search,  // per block, the candidate scale (and minimum) with the least weighted squared error
};

// Where a matrix's column importance comes from (see block_weights in quantize.cpp).
enum class ImportanceSource {
  Activations,  // measured: the mean square of each column's activations on a calibration text
  NormWeights,  // estimated: the squares of the norm weights that scale the matrix's input
};

// Quantizes a rows x cols matrix into the file layout. `importance` (cols values, or empty)
// weights each column's error, e.g. the mean square of the activations it multiplies.
std::vector<uint8_t> quantize_matrix(const float* w, uint64_t rows, uint64_t cols, DType dtype, uint32_t group,
                                     QuantMethod method, const std::vector<float>& importance,
                                     ImportanceSource source = ImportanceSource::Activations);

}  // namespace sprig::convert
