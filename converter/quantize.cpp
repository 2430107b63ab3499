// Block quantizers. The search tries a range of scales around absmax / qmax; for each it rounds
// the block, then solves for the scale (and minimum) that best fit those integers in the
// weighted least-squares sense, and keeps the candidate with the smallest weighted error
// measured with the f16-rounded parameters that are actually stored. The best candidate is then
// refined: rounded again with its own fitted parameters and refitted, while that lowers the error.
// The absmax candidate is always among them and only improvements are kept, so the search never
// does worse than round-to-nearest on its objective.
#include "quantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "sprig/half.h"

namespace sprig::convert {
namespace {

float f16_round(float value) { return f16_to_f32(f32_to_f16(value)); }

// Round half to even without a libm call: adding and subtracting 1.5 * 2^23 leaves the nearest
// integer for |x| < 2^22; larger values are clamped by every caller anyway.
int round_to_int(float x) {
  x = std::clamp(x, -4194304.0f, 4194304.0f);
  return int((x + 12582912.0f) - 12582912.0f);  // IEEE arithmetic: the compiler may not fold this
}

// Candidate steps around qmax: a coarse sweep, then a fine one around the best coarse step.
constexpr int kCoarseFirst = -20, kCoarseLast = 40, kCoarseStride = 5;

// Sweeps the coarse steps, then the fine steps within one coarse stride of the best of them.
template <typename TryStep>
void search_steps(TryStep&& try_step) {
  int best_step = 0;
  bool improved = false;
  for (int step = kCoarseFirst; step <= kCoarseLast; step += kCoarseStride)
    if (try_step(step)) {
      best_step = step;
      improved = true;
    }
  if (!improved) return;
  for (int step = best_step - kCoarseStride + 1; step < best_step + kCoarseStride; ++step)
    if (step != best_step) try_step(step);
}

// Rounding again with the fitted parameters and refitting (Lloyd's iteration) converges in a few
// steps; more rarely change anything.
constexpr int kRefineIterations = 5;

struct BlockResult {
  std::vector<int> q;  // q8: [-127, 127]; q4, q4a: nibbles [0, 15]
  float scale = 0, minimum = 0;
};

// Symmetric: w ~= d * (q - offset), q in [lo, hi] (q8: offset 0, [-127, 127]; q4: offset 8, [0, 15]).
// q4's range has one level more below zero (-8) than above (7); a negative d puts the block's
// largest magnitude on that side whatever its sign, a finer step for the same bits.
struct SymmetricRange {
  int offset, lo, hi;
  float qmax;  // the largest magnitude absmax maps to
};

double weighted_error_symmetric(const float* w, const float* weight, size_t n, const std::vector<int>& q, int offset,
                                float d) {
  double error = 0;
  for (size_t i = 0; i < n; ++i) {
    const double diff = w[i] - double(d) * (q[i] - offset);
    error += weight[i] * diff * diff;
  }
  return error;
}

void round_symmetric(const float* w, size_t n, float inverse, const SymmetricRange& range, std::vector<int>& q) {
  for (size_t i = 0; i < n; ++i)
    q[i] = std::clamp(round_to_int(w[i] * inverse) + range.offset, range.lo, range.hi);
}

BlockResult quantize_symmetric(const float* w, const float* weight, size_t n, const SymmetricRange& range,
                               QuantMethod method) {
  BlockResult best;
  best.q.assign(n, range.offset);
  float max_abs = 0;
  for (size_t i = 0; i < n; ++i) max_abs = std::max(max_abs, std::fabs(w[i]));
  if (max_abs == 0) return best;

  const float rtn_scale = f16_round(max_abs / range.qmax);
  round_symmetric(w, n, rtn_scale > 0 ? 1.0f / rtn_scale : 0.0f, range, best.q);
  best.scale = rtn_scale;
  if (method == QuantMethod::Rtn) return best;

  double best_error = weighted_error_symmetric(w, weight, n, best.q, range.offset, best.scale);
  // The weighted least-squares scale for given integers.
  auto fit_scale = [&](const std::vector<int>& q) {
    double wq = 0, qq = 0;
    for (size_t i = 0; i < n; ++i) {
      const double v = q[i] - range.offset;
      wq += weight[i] * w[i] * v;
      qq += weight[i] * v * v;
    }
    return qq > 0 ? f16_round(float(wq / qq)) : 0.0f;
  };
  // Keeps q with its fitted scale if that beats the best so far.
  auto keep_if_better = [&](const std::vector<int>& q) {
    const float d = fit_scale(q);
    if (d == 0) return false;
    const double error = weighted_error_symmetric(w, weight, n, q, range.offset, d);
    if (error >= best_error) return false;
    best_error = error;
    best.q = q;
    best.scale = d;
    return true;
  };

  // The largest magnitude goes to the side of the range with more levels.
  float extreme = 0;
  for (size_t i = 0; i < n && extreme == 0; ++i)
    if (std::fabs(w[i]) == max_abs) extreme = w[i];
  const bool more_below = range.offset - range.lo > range.hi - range.offset;
  const float sign = more_below && extreme > 0 ? -1.0f : 1.0f;
  std::vector<int> q(n);
  // Tries qmax + step/20 as the value absmax maps to; returns whether it became the best.
  search_steps([&](int step) {
    round_symmetric(w, n, sign * (range.qmax + 0.05f * float(step)) / max_abs, range, q);
    return keep_if_better(q);
  });
  for (int i = 0; i < kRefineIterations && best.scale != 0; ++i) {
    round_symmetric(w, n, 1.0f / best.scale, range, q);
    if (!keep_if_better(q)) break;
  }
  return best;
}

double weighted_error_affine(const float* w, const float* weight, size_t n, const std::vector<int>& q, float d,
                             float m) {
  double error = 0;
  for (size_t i = 0; i < n; ++i) {
    const double diff = w[i] - (double(d) * q[i] + m);
    error += weight[i] * diff * diff;
  }
  return error;
}

void round_affine(const float* w, size_t n, float low, float inverse, std::vector<int>& q) {
  for (size_t i = 0; i < n; ++i) q[i] = std::clamp(round_to_int((w[i] - low) * inverse), 0, 15);
}

// Asymmetric 4-bit: w ~= d * q + m, q in [0, 15].
BlockResult quantize_affine(const float* w, const float* weight, size_t n, QuantMethod method) {
  BlockResult best;
  best.q.assign(n, 0);
  float low = w[0], high = w[0];
  for (size_t i = 1; i < n; ++i) {
    low = std::min(low, w[i]);
    high = std::max(high, w[i]);
  }
  best.minimum = f16_round(low);
  if (high == low) return best;
  best.scale = f16_round((high - low) / 15.0f);
  round_affine(w, n, best.minimum, best.scale > 0 ? 1.0f / best.scale : 0.0f, best.q);
  if (method == QuantMethod::Rtn) return best;

  double best_error = weighted_error_affine(w, weight, n, best.q, best.scale, best.minimum);
  // Weighted least squares for (d, m) given q; keeps them if they beat the best so far.
  auto keep_if_better = [&](const std::vector<int>& q) {
    double sw = 0, sq = 0, sqq = 0, sx = 0, sqx = 0;
    for (size_t i = 0; i < n; ++i) {
      sw += weight[i];
      sq += weight[i] * q[i];
      sqq += weight[i] * q[i] * q[i];
      sx += weight[i] * w[i];
      sqx += weight[i] * q[i] * w[i];
    }
    const double determinant = sw * sqq - sq * sq;
    if (determinant <= 0) return false;
    const float d = f16_round(float((sw * sqx - sq * sx) / determinant));
    const float m = f16_round(float((sqq * sx - sq * sqx) / determinant));
    const double error = weighted_error_affine(w, weight, n, q, d, m);
    if (error >= best_error) return false;
    best_error = error;
    best.q = q;
    best.scale = d;
    best.minimum = m;
    return true;
  };
  std::vector<int> q(n);
  search_steps([&](int step) {
    round_affine(w, n, low, (15.0f + 0.05f * float(step)) / (high - low), q);
    return keep_if_better(q);
  });
  for (int i = 0; i < kRefineIterations && best.scale > 0; ++i) {
    round_affine(w, n, best.minimum, 1.0f / best.scale, q);
    if (!keep_if_better(q)) break;
  }
  return best;
}

// How much each element's error counts. Measured activations (calibration) give each column the
// mean square of the activations it multiplies: that is what the error costs in the matrix's
// output, and alone it measured better than also weighting by magnitude. Otherwise magnitude:
// |w| keeps large weights accurate and the block's root mean square keeps small ones from being
// ignored (measured better than w^2 + mean square); norm weights, when they scale the matrix's
// input, multiply that, as an estimate of the activations' scale without running the model.
void block_weights(const float* w, size_t n, const float* importance, ImportanceSource source,
                   std::vector<float>& weight) {
  if (importance && source == ImportanceSource::Activations) {
    std::copy_n(importance, n, weight.begin());
    return;
  }
  double mean_square = 0;
  for (size_t i = 0; i < n; ++i) mean_square += double(w[i]) * w[i];
  const float rms = float(std::sqrt(mean_square / double(n)));
  for (size_t i = 0; i < n; ++i) weight[i] = (std::fabs(w[i]) + rms) * (importance ? importance[i] : 1.0f);
}

void quantize_rows(const float* w, uint64_t row_begin, uint64_t row_end, uint64_t cols, DType dtype, uint32_t group,
                   QuantMethod method, const std::vector<float>& importance, ImportanceSource source,
                   const TensorLayout& layout, uint8_t* out) {
  std::vector<float> block(group), weight(group);
  uint16_t* scales = reinterpret_cast<uint16_t*>(out + layout.scales_offset);
  uint16_t* mins = reinterpret_cast<uint16_t*>(out + layout.mins_offset);
  const size_t block_bytes = dtype == DType::Q8 ? group : group / 2;
  for (uint64_t r = row_begin; r < row_end; ++r) {
    for (uint64_t b = 0; b < layout.blocks_per_row; ++b) {
      const uint64_t begin = b * group;
      const size_t n = size_t(std::min<uint64_t>(group, cols - begin));
      std::copy_n(w + r * cols + begin, n, block.begin());
      block_weights(block.data(), n, importance.empty() ? nullptr : importance.data() + begin, source, weight);
      const uint64_t index = r * layout.blocks_per_row + b;
      uint8_t* quants = out + index * block_bytes;
      BlockResult result;
      if (dtype == DType::Q8) {
        result = quantize_symmetric(block.data(), weight.data(), n, {0, -127, 127, 127.0f}, method);
        for (size_t i = 0; i < group; ++i) quants[i] = uint8_t(int8_t(i < n ? result.q[i] : 0));
      } else {
        if (dtype == DType::Q4)
          result = quantize_symmetric(block.data(), weight.data(), n, {8, 0, 15, 7.0f}, method);
        else
          result = quantize_affine(block.data(), weight.data(), n, method);
        // Padding takes the nibble that decodes closest to zero.
        const int pad = dtype == DType::Q4 ? 8 : 0;
        const size_t half = group / 2;
        for (size_t j = 0; j < half; ++j) {
          const int low = j < n ? result.q[j] : pad;
          const int high = j + half < n ? result.q[j + half] : pad;
          quants[j] = uint8_t(low | (high << 4));
        }
      }
      scales[index] = f32_to_f16(result.scale);
      if (dtype == DType::Q4A) mins[index] = f32_to_f16(result.minimum);
    }
  }
}

}  // namespace

std::vector<uint8_t> quantize_matrix(const float* w, uint64_t rows, uint64_t cols, DType dtype, uint32_t group,
                                     QuantMethod method, const std::vector<float>& importance,
                                     ImportanceSource source) {
  const TensorLayout layout = tensor_layout(dtype, rows, cols, group);
  std::vector<uint8_t> out(layout.total_bytes);
  // Rows are independent: split them over the cores.
  const uint64_t threads = std::max<uint64_t>(1, std::min<uint64_t>(std::thread::hardware_concurrency(), rows / 64));
  std::vector<std::thread> workers;
  for (uint64_t t = 0; t < threads; ++t) {
    const uint64_t begin = rows * t / threads, end = rows * (t + 1) / threads;
    workers.emplace_back([&, begin, end] {
      quantize_rows(w, begin, end, cols, dtype, group, method, importance, source, layout, out.data());
    });
  }
  for (std::thread& worker : workers) worker.join();
  return out;
}

}  // namespace sprig::convert
