#include <algorithm>
#include <cmath>

#include "../int8_range.h"
#include "../reference.h"
#include "sprig/half.h"

namespace sprig::kernels {

void quantize_activations_scalar(const float* x, size_t n, QuantizedActivations& out) {
  for (size_t b = 0; b < out.blocks; ++b) {
    const size_t begin = b * out.group;
    const size_t end = std::min(n, begin + out.group);
    float max_abs = 0.0f;
    for (size_t i = begin; i < end; ++i) max_abs = std::max(max_abs, std::fabs(x[i]));
    const float scale = max_abs / 127.0f;
    const float inverse = scale > 0.0f ? 1.0f / scale : 0.0f;
    int8_t* q = out.quants + begin;
    int32_t sum = 0;
    for (size_t i = begin; i < end; ++i) {
      const int8_t value = int8_t(std::nearbyint(int8_range(x[i] * inverse)));
      q[i - begin] = value;
      sum += value;
    }
    for (size_t i = end; i < begin + out.group; ++i) q[i - begin] = 0;
    out.scales[b] = scale;
    out.sums[b] = sum;
  }
}

void matvec_q8_scalar(const QuantizedWeights& w, const QuantizedActivations& x, float* y) {
  const int8_t* quants = reinterpret_cast<const int8_t*>(w.quants);
  for (size_t r = 0; r < w.rows; ++r) {
    float sum = 0.0f;
    for (size_t b = 0; b < w.blocks_per_row; ++b) {
      const size_t block = r * w.blocks_per_row + b;
      const int8_t* wq = quants + block * w.group;
      const int8_t* xq = x.quants + b * w.group;
      int32_t dot = 0;
      for (size_t i = 0; i < w.group; ++i) dot += int32_t(wq[i]) * int32_t(xq[i]);
      sum += f16_to_f32(w.scales[block]) * x.scales[b] * float(dot);
    }
    y[r] = sum;
  }
}

void quantize_activations_residual_scalar(const float* x, size_t n, QuantizedActivations& main,
                                          QuantizedActivations& residual) {
  quantize_activations_scalar(x, n, main);
  float r[128];  // one block's residual; groups are at most 128 (is_valid_group)
  for (size_t b = 0; b < main.blocks; ++b) {
    const size_t begin = b * main.group;
    const size_t end = std::min(n, begin + main.group);
    // One rounding (fma), so the result does not depend on whether a compiler contracts a
    // multiply and a subtract: SIMD sets must match it bit for bit.
    for (size_t i = begin; i < end; ++i) r[i - begin] = std::fma(-main.scales[b], float(main.quants[i]), x[i]);
    QuantizedActivations block{residual.quants + begin, residual.scales + b, residual.sums + b, 1, main.group};
    quantize_activations_scalar(r, end - begin, block);
  }
}

void matvec_q8_residual_scalar(const QuantizedWeights& w, const QuantizedActivations& main,
                               const QuantizedActivations& residual, float* y) {
  const int8_t* quants = reinterpret_cast<const int8_t*>(w.quants);
  for (size_t r = 0; r < w.rows; ++r) {
    float sum = 0.0f;
    for (size_t b = 0; b < w.blocks_per_row; ++b) {
      const size_t block = r * w.blocks_per_row + b;
      const int8_t* wq = quants + block * w.group;
      const int8_t* xq = main.quants + b * w.group;
      const int8_t* rq = residual.quants + b * w.group;
      int32_t dot = 0, residual_dot = 0;
      for (size_t i = 0; i < w.group; ++i) {
        dot += int32_t(wq[i]) * int32_t(xq[i]);
        residual_dot += int32_t(wq[i]) * int32_t(rq[i]);
      }
      sum += f16_to_f32(w.scales[block]) * (main.scales[b] * float(dot) + residual.scales[b] * float(residual_dot));
    }
    y[r] = sum;
  }
}

namespace {

// Sum of nibble * activation over one 4-bit block.
int32_t nibble_dot(const uint8_t* wq, const int8_t* xq, size_t group) {
  const size_t half = group / 2;
  int32_t dot = 0;
  for (size_t j = 0; j < half; ++j) {
    dot += int32_t(wq[j] & 0x0f) * int32_t(xq[j]);
    dot += int32_t(wq[j] >> 4) * int32_t(xq[j + half]);
  }
  return dot;
}

}  // namespace

void matvec_q4_scalar(const QuantizedWeights& w, const QuantizedActivations& x, float* y) {
  for (size_t r = 0; r < w.rows; ++r) {
    float sum = 0.0f;
    for (size_t b = 0; b < w.blocks_per_row; ++b) {
      const size_t block = r * w.blocks_per_row + b;
      const int32_t dot = nibble_dot(w.quants + block * w.group / 2, x.quants + b * w.group, w.group);
      // The stored nibble is q + 8.
      sum += f16_to_f32(w.scales[block]) * x.scales[b] * float(dot - 8 * x.sums[b]);
    }
    y[r] = sum;
  }
}

void matvec_q4a_scalar(const QuantizedWeights& w, const QuantizedActivations& x, float* y) {
  for (size_t r = 0; r < w.rows; ++r) {
    float sum = 0.0f;
    for (size_t b = 0; b < w.blocks_per_row; ++b) {
      const size_t block = r * w.blocks_per_row + b;
      const int32_t dot = nibble_dot(w.quants + block * w.group / 2, x.quants + b * w.group, w.group);
      sum += x.scales[b] * (f16_to_f32(w.scales[block]) * float(dot) + f16_to_f32(w.mins[block]) * float(x.sums[b]));
    }
    y[r] = sum;
  }
}

void dequantize_row_q8_scalar(const QuantizedWeights& w, size_t row, float* out) {
  const int8_t* quants = reinterpret_cast<const int8_t*>(w.quants);
  for (size_t c = 0; c < w.cols; ++c) {
    const size_t block = row * w.blocks_per_row + c / w.group;
    out[c] = f16_to_f32(w.scales[block]) * float(quants[block * w.group + c % w.group]);
  }
}

namespace {

uint8_t nibble(const QuantizedWeights& w, size_t block, size_t i) {
  const size_t half = w.group / 2;
  const uint8_t byte = w.quants[block * half + i % half];
  return i < half ? byte & 0x0f : byte >> 4;
}

}  // namespace

void dequantize_row_q4_scalar(const QuantizedWeights& w, size_t row, float* out) {
  for (size_t c = 0; c < w.cols; ++c) {
    const size_t block = row * w.blocks_per_row + c / w.group;
    out[c] = f16_to_f32(w.scales[block]) * float(int(nibble(w, block, c % w.group)) - 8);
  }
}

void dequantize_row_q4a_scalar(const QuantizedWeights& w, size_t row, float* out) {
  for (size_t c = 0; c < w.cols; ++c) {
    const size_t block = row * w.blocks_per_row + c / w.group;
    out[c] = f16_to_f32(w.scales[block]) * float(nibble(w, block, c % w.group)) + f16_to_f32(w.mins[block]);
  }
}

}  // namespace sprig::kernels
