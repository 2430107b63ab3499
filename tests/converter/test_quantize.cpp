// Quantize/dequantize round trips stay inside the bound each format promises, on random
// tensors and on the awkward ones: all zeros, one huge outlier, denormals, ragged last blocks.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "kernels/reference.h"
#include <filesystem>

#include "calibrate.h"
#include "norm_importance.h"
#include "quantize.h"
#include "test_support.h"
#include "sprig/half.h"

using namespace sprig;
using namespace sprig::convert;

namespace {

kernels::QuantizedWeights view(const std::vector<uint8_t>& bytes, DType dtype, size_t rows, size_t cols,
                               uint32_t group) {
  const TensorLayout layout = tensor_layout(dtype, rows, cols, group);
  return {bytes.data(), reinterpret_cast<const uint16_t*>(bytes.data() + layout.scales_offset),
          reinterpret_cast<const uint16_t*>(bytes.data() + layout.mins_offset), rows, cols, layout.blocks_per_row,
          group};
}

std::vector<float> dequantize(const std::vector<uint8_t>& bytes, DType dtype, size_t rows, size_t cols,
                              uint32_t group) {
  const auto w = view(bytes, dtype, rows, cols, group);
  std::vector<float> out(rows * cols);
  for (size_t r = 0; r < rows; ++r) {
    if (dtype == DType::Q8) kernels::dequantize_row_q8_scalar(w, r, out.data() + r * cols);
    if (dtype == DType::Q4) kernels::dequantize_row_q4_scalar(w, r, out.data() + r * cols);
    if (dtype == DType::Q4A) kernels::dequantize_row_q4a_scalar(w, r, out.data() + r * cols);
  }
  return out;
}

// Round to nearest with absmax (or range) scales: no element is off by more than half a step,
// plus what rounding the scale to f16 adds (relative 2^-11 of the largest value).
void check_rtn_bound(const std::vector<float>& w, size_t rows, size_t cols, DType dtype, uint32_t group) {
  const auto bytes = quantize_matrix(w.data(), rows, cols, dtype, group, QuantMethod::Rtn, {});
  REQUIRE(bytes.size() == tensor_layout(dtype, rows, cols, group).total_bytes);
  const auto back = dequantize(bytes, dtype, rows, cols, group);
  for (size_t r = 0; r < rows; ++r)
    for (size_t start = 0; start < cols; start += group) {
      const size_t end = std::min<size_t>(cols, start + group);
      float low = w[r * cols + start], high = low, max_abs = 0;
      for (size_t c = start; c < end; ++c) {
        low = std::min(low, w[r * cols + c]);
        high = std::max(high, w[r * cols + c]);
        max_abs = std::max(max_abs, std::fabs(w[r * cols + c]));
      }
      const float step = dtype == DType::Q8 ? max_abs / 127 : dtype == DType::Q4 ? max_abs / 7 : (high - low) / 15;
      const float bound = step / 2 + (max_abs + std::fabs(low)) * 16.0f / 2048.0f + 1e-7f;
      for (size_t c = start; c < end; ++c)
        REQUIRE_MESSAGE(std::fabs(back[r * cols + c] - w[r * cols + c]) <= bound,
                        std::string(dtype_name(dtype)) << " row " << r << " col " << c);
    }
}

double weighted_error(const std::vector<float>& w, const std::vector<float>& back) {
  double error = 0;
  for (size_t i = 0; i < w.size(); ++i) error += double(w[i] - back[i]) * (w[i] - back[i]);
  return error;
}

const DType kDtypes[] = {DType::Q8, DType::Q4, DType::Q4A};

}  // namespace

TEST_CASE("round to nearest stays within half a step, for every group and ragged widths") {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 0.05f);
  for (DType dtype : kDtypes)
    for (uint32_t group : {32u, 64u, 128u})
      for (size_t cols : {size_t(32), size_t(172), size_t(200), size_t(7)}) {
        CAPTURE(cols);
        std::vector<float> w(3 * cols);
        for (float& v : w) v = normal(rng);
        check_rtn_bound(w, 3, cols, dtype, group);
      }
}

TEST_CASE("the search never loses to round to nearest, and usually wins") {
  std::mt19937 rng(6);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (DType dtype : kDtypes) {
    std::vector<float> w(64 * 256);
    for (float& v : w) v = normal(rng);
    const auto rtn = dequantize(quantize_matrix(w.data(), 64, 256, dtype, 32, QuantMethod::Rtn, {}), dtype, 64, 256, 32);
    const auto search =
        dequantize(quantize_matrix(w.data(), 64, 256, dtype, 32, QuantMethod::Search, {}), dtype, 64, 256, 32);
    const double rtn_error = weighted_error(w, rtn), search_error = weighted_error(w, search);
    MESSAGE(std::string(dtype_name(dtype)) << " squared error: rtn " << rtn_error << ", search " << search_error);
    CHECK(search_error < rtn_error);
  }
}

TEST_CASE("zeros, a huge outlier and denormals") {
  for (DType dtype : kDtypes)
    for (QuantMethod method : {QuantMethod::Rtn, QuantMethod::Search}) {
      const std::string name = dtype_name(dtype);
      CAPTURE(name);
      const std::vector<float> zeros(64, 0.0f);
      for (float v : dequantize(quantize_matrix(zeros.data(), 1, 64, dtype, 32, method, {}), dtype, 1, 64, 32))
        CHECK(v == 0.0f);

      std::vector<float> outlier(32, 0.01f);
      outlier[5] = 1000.0f;
      const auto back = dequantize(quantize_matrix(outlier.data(), 1, 32, dtype, 32, method, {}), dtype, 1, 32, 32);
      CHECK(back[5] == doctest::Approx(1000.0f).epsilon(0.01));
      for (size_t i = 0; i < 32; ++i) CHECK(std::isfinite(back[i]));

      std::vector<float> tiny(32);
      for (size_t i = 0; i < 32; ++i) tiny[i] = float(i % 3) * 1e-40f;  // f32 denormals
      for (float v : dequantize(quantize_matrix(tiny.data(), 1, 32, dtype, 32, method, {}), dtype, 1, 32, 32)) {
        CHECK(std::isfinite(v));
        CHECK(std::fabs(v) < 1e-30f);
      }
    }
}

TEST_CASE("quantized matvec equals the dequantized weights times the dequantized activations") {
  std::mt19937 rng(8);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (DType dtype : kDtypes)
    for (uint32_t group : {32u, 64u, 128u})
      for (size_t cols : {size_t(64), size_t(172), size_t(300)}) {
        CAPTURE(cols);
        const size_t rows = 9;
        std::vector<float> w(rows * cols), x(cols);
        for (float& v : w) v = normal(rng);
        for (float& v : x) v = normal(rng);
        const auto bytes = quantize_matrix(w.data(), rows, cols, dtype, group, QuantMethod::Search, {});
        const auto weights = view(bytes, dtype, rows, cols, group);
        const size_t blocks = weights.blocks_per_row;
        std::vector<int8_t> xq(blocks * group);
        std::vector<float> xs(blocks);
        std::vector<int32_t> sums(blocks);
        kernels::QuantizedActivations activations{xq.data(), xs.data(), sums.data(), blocks, group};
        kernels::quantize_activations_scalar(x.data(), cols, activations);
        for (size_t c = 0; c < cols; ++c) CHECK(std::fabs(xs[c / group] * xq[c] - x[c]) <= xs[c / group] / 2 * 1.0001f);

        std::vector<float> y(rows);
        if (dtype == DType::Q8) kernels::matvec_q8_scalar(weights, activations, y.data());
        if (dtype == DType::Q4) kernels::matvec_q4_scalar(weights, activations, y.data());
        if (dtype == DType::Q4A) kernels::matvec_q4a_scalar(weights, activations, y.data());
        const auto dequantized = dequantize(bytes, dtype, rows, cols, group);
        for (size_t r = 0; r < rows; ++r) {
          double expected = 0, magnitude = 0;
          for (size_t c = 0; c < cols; ++c) {
            const double term = double(dequantized[r * cols + c]) * xs[c / group] * xq[c];
            expected += term;
            magnitude += std::fabs(term);
          }
          CHECK(std::fabs(y[r] - expected) <= 1e-5 * magnitude + 1e-6);
        }
      }
}

TEST_CASE("column importance moves the error away from important columns") {
  std::mt19937 rng(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const size_t rows = 256, cols = 64;
  std::vector<float> w(rows * cols);
  for (float& v : w) v = normal(rng);
  std::vector<float> importance(cols, 1.0f);
  for (size_t c = 0; c < cols; c += 8) importance[c] = 100.0f;  // one column in eight carries big activations
  auto important_error = [&](const std::vector<float>& weights_by_column) {
    const auto back = dequantize(quantize_matrix(w.data(), rows, cols, DType::Q4, 32, QuantMethod::Search,
                                                 weights_by_column),
                                 DType::Q4, rows, cols, 32);
    double error = 0;
    for (size_t r = 0; r < rows; ++r)
      for (size_t c = 0; c < cols; c += 8) error += std::pow(back[r * cols + c] - w[r * cols + c], 2);
    return error;
  };
  const double plain = important_error({}), weighted = important_error(importance);
  MESSAGE("squared error on the important columns: plain " << plain << ", importance-weighted " << weighted);
  CHECK(weighted < 0.8 * plain);
}

TEST_CASE("calibration measures every matrix's input columns") {
  const std::string shared = test::shared_dir("calibration");
  if (shared.empty()) return;
  const std::string dir = test::work_dir("calibration");
  const auto checkpoint = read_checkpoint(shared + "/models/stories260K/stories260K.gguf", "");
  const auto importance = measure_activations(checkpoint, shared + "/eval/tinytales.txt", dir + "/scratch.sprig", 300);
  CHECK(importance.size() == 5 * 7 + 2);  // 7 matrices per layer, the output head and the tied embedding
  CHECK(importance.at("blk.0.ffn_down").size() == 172);
  CHECK(importance.at("blk.4.attn_q").size() == 64);
  double mean = 0;
  for (float v : importance.at("blk.2.ffn_down")) {
    CHECK(v > 0.0f);
    mean += v / 172;
  }
  CHECK(mean == doctest::Approx(1.0).epsilon(0.01));  // normalised: only relative weights matter
  CHECK_FALSE(std::filesystem::exists(dir + "/scratch.sprig"));
}

TEST_CASE("q4's search uses the -8 level for a block whose largest magnitude is positive") {
  // -7 .. 8 twice: exact with d = -1 (nibble 8 - w), but rtn's absmax / 7 step cannot be exact.
  std::vector<float> w(32);
  for (size_t i = 0; i < 32; ++i) w[i] = float(int(i % 16) - 7);
  const auto bytes = quantize_matrix(w.data(), 1, 32, DType::Q4, 32, QuantMethod::Search, {});
  const auto back = dequantize(bytes, DType::Q4, 1, 32, 32);
  for (size_t i = 0; i < 32; ++i) CHECK(back[i] == w[i]);
  CHECK(f16_to_f32(view(bytes, DType::Q4, 1, 32, 32).scales[0]) == -1.0f);
  const auto rtn = dequantize(quantize_matrix(w.data(), 1, 32, DType::Q4, 32, QuantMethod::Rtn, {}), DType::Q4, 1,
                              32, 32);
  CHECK(weighted_error(w, rtn) > 0.1);
}

TEST_CASE("the search's round trips on ragged widths: bounded, and the padding decodes as documented") {
  std::mt19937 rng(10);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  for (DType dtype : kDtypes)
    for (uint32_t group : {32u, 64u, 128u})
      for (size_t cols : {size_t(7), size_t(172), size_t(200)}) {
        CAPTURE(cols);
        CAPTURE(group);
        const size_t rows = 5;
        std::vector<float> w(rows * cols);
        for (float& v : w) v = normal(rng);
        const auto bytes = quantize_matrix(w.data(), rows, cols, dtype, group, QuantMethod::Search, {});
        REQUIRE(bytes.size() == tensor_layout(dtype, rows, cols, group).total_bytes);
        const auto back = dequantize(bytes, dtype, rows, cols, group);
        const auto weights = view(bytes, dtype, rows, cols, group);
        for (size_t r = 0; r < rows; ++r)
          for (size_t b = 0; b < weights.blocks_per_row; ++b) {
            const size_t begin = b * group, end = std::min<size_t>(cols, begin + group);
            float max_abs = 0, low = w[r * cols + begin], high = low;
            for (size_t c = begin; c < end; ++c) {
              max_abs = std::max(max_abs, std::fabs(w[r * cols + c]));
              low = std::min(low, w[r * cols + c]);
              high = std::max(high, w[r * cols + c]);
            }
            // The search keeps the block's weighted squared error (weights |w| + rms, at least rms
            // each and at most 2 n rms in all) at or below rtn's, whose elements are each within
            // rtn's bound; so no element is off by more than sqrt(2 n) times that bound.
            const float rtn_step =
                dtype == DType::Q8 ? max_abs / 127 : dtype == DType::Q4 ? max_abs / 7 : (high - low) / 15;
            const float rtn_bound = rtn_step / 2 + (max_abs + std::fabs(low)) * 16.0f / 2048.0f + 1e-7f;
            const float bound = rtn_bound * std::sqrt(2.0f * float(end - begin));
            for (size_t c = begin; c < end; ++c)
              REQUIRE(std::fabs(back[r * cols + c] - w[r * cols + c]) <= bound);
            // Padding: q8 0, q4 nibble 8 (zero), q4a nibble 0 (the minimum).
            const size_t index = r * weights.blocks_per_row + b;
            for (size_t i = end - begin; i < group; ++i) {
              if (dtype == DType::Q8) CHECK(weights.quants[index * group + i] == 0);
              const uint8_t byte = weights.quants[index * group / 2 + i % (group / 2)];
              const int nibble = i < group / 2 ? byte & 0x0f : byte >> 4;
              if (dtype == DType::Q4) CHECK(nibble == 8);
              if (dtype == DType::Q4A) CHECK(nibble == 0);
            }
          }
      }
}

TEST_CASE("a zero block beside a nonzero one stays zero, with a zero scale") {
  for (DType dtype : kDtypes)
    for (QuantMethod method : {QuantMethod::Rtn, QuantMethod::Search}) {
      std::vector<float> w(64, 0.0f);
      for (size_t i = 32; i < 64; ++i) w[i] = float(i) * 0.01f - 0.5f;
      const auto bytes = quantize_matrix(w.data(), 1, 64, dtype, 32, method, {});
      const auto back = dequantize(bytes, dtype, 1, 64, 32);
      for (size_t i = 0; i < 32; ++i) CHECK(back[i] == 0.0f);
      CHECK(view(bytes, dtype, 1, 64, 32).scales[0] == 0);
    }
}

TEST_CASE("two-term activations: the residual carries what one int8 term loses") {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (uint32_t group : {32u, 64u, 128u})
    for (size_t cols : {size_t(64), size_t(172), size_t(300)}) {
      CAPTURE(cols);
      CAPTURE(group);
      const size_t rows = 7, blocks = (cols + group - 1) / group;
      std::vector<float> w(rows * cols), x(cols);
      for (float& v : w) v = normal(rng);
      for (float& v : x) v = normal(rng);
      x[3] = 40.0f;  // an outlier coarsens its block's first term
      std::vector<int8_t> q1(blocks * group, 99), q2(blocks * group, 99), reference_q(blocks * group);
      std::vector<float> s1(blocks), s2(blocks), reference_s(blocks);
      std::vector<int32_t> sums1(blocks), sums2(blocks), reference_sums(blocks);
      kernels::QuantizedActivations main{q1.data(), s1.data(), sums1.data(), blocks, group};
      kernels::QuantizedActivations residual{q2.data(), s2.data(), sums2.data(), blocks, group};
      kernels::QuantizedActivations reference{reference_q.data(), reference_s.data(), reference_sums.data(), blocks,
                                              group};
      kernels::quantize_activations_residual_scalar(x.data(), cols, main, residual);
      kernels::quantize_activations_scalar(x.data(), cols, reference);
      CHECK(q1 == reference_q);  // the first term is exactly the one-term quantization
      CHECK(s1 == reference_s);
      for (size_t c = 0; c < cols; ++c) {
        const size_t b = c / group;
        CHECK(s2[b] <= s1[b] / 2 / 127 * 1.0001f);
        CHECK(std::fabs(s1[b] * q1[c] + s2[b] * q2[c] - x[c]) <= s2[b] / 2 * 1.0001f + 1e-7f);
      }
      for (size_t c = cols; c < blocks * group; ++c) CHECK(q2[c] == 0);  // the padded tail

      const auto bytes = quantize_matrix(w.data(), rows, cols, DType::Q8, group, QuantMethod::Search, {});
      const auto weights = view(bytes, DType::Q8, rows, cols, group);
      std::vector<float> y(rows), one_term(rows);
      kernels::matvec_q8_residual_scalar(weights, main, residual, y.data());
      kernels::matvec_q8_scalar(weights, main, one_term.data());
      const auto dequantized = dequantize(bytes, DType::Q8, rows, cols, group);
      double error_two = 0, error_one = 0;
      for (size_t r = 0; r < rows; ++r) {
        double expected = 0, exact = 0, magnitude = 0;
        for (size_t c = 0; c < cols; ++c) {
          const size_t b = c / group;
          const double weight = dequantized[r * cols + c];
          expected += weight * (double(s1[b]) * q1[c] + double(s2[b]) * q2[c]);
          exact += weight * x[c];
          magnitude += std::fabs(weight * x[c]);
        }
        CHECK(std::fabs(y[r] - expected) <= 1e-5 * magnitude + 1e-6);
        error_two += std::fabs(y[r] - exact);
        error_one += std::fabs(one_term[r] - exact);
      }
      // Against the f32 activations, the second term removes nearly all the first one's error.
      CHECK(error_two < error_one / 20);
    }

  // All-zero activations: zero scales, zero output.
  std::vector<float> zeros(64, 0.0f), w(2 * 64, 0.5f), y(2, 1.0f);
  std::vector<int8_t> q1(64), q2(64);
  std::vector<float> s1(2), s2(2);
  std::vector<int32_t> sums1(2), sums2(2);
  kernels::QuantizedActivations main{q1.data(), s1.data(), sums1.data(), 2, 32};
  kernels::QuantizedActivations residual{q2.data(), s2.data(), sums2.data(), 2, 32};
  kernels::quantize_activations_residual_scalar(zeros.data(), 64, main, residual);
  const auto bytes = quantize_matrix(w.data(), 2, 64, DType::Q8, 32, QuantMethod::Search, {});
  kernels::matvec_q8_residual_scalar(view(bytes, DType::Q8, 2, 64, 32), main, residual, y.data());
  CHECK(s2[0] == 0.0f);
  CHECK(y[0] == 0.0f);
  CHECK(y[1] == 0.0f);
}

TEST_CASE("without calibration, the norm weights that scale a matrix's input weight its columns") {
  const std::string shared = test::shared_dir("norm importance");
  if (shared.empty()) return;
  const auto checkpoint = read_checkpoint(shared + "/models/stories260K/stories260K.gguf", "");
  const ColumnImportance importance = norm_importance(checkpoint);
  CHECK(importance.size() == 5 * 5 + 1);  // q, k, v, gate, up per layer and the tied embedding
  CHECK(importance.count("blk.0.attn_output") == 0);  // its input is attention's output, not a norm's
  CHECK(importance.count("blk.0.ffn_down") == 0);
  std::vector<float> norm;
  for (const SourceTensor& t : checkpoint.tensors)
    if (t.name == "blk.1.ffn_norm") norm = t.load();
  const std::vector<float>& up = importance.at("blk.1.ffn_up");
  REQUIRE(up.size() == norm.size());
  CHECK(up == importance.at("blk.1.ffn_gate"));
  double mean = 0;
  for (float v : up) mean += v / double(up.size());
  CHECK(mean == doctest::Approx(1.0).epsilon(0.01));
  for (size_t c = 1; c < up.size(); ++c)  // proportional to the squared norm weights
    CHECK((up[c] - 1e-3) * norm[0] * norm[0] == doctest::Approx((up[0] - 1e-3) * norm[c] * norm[c]).epsilon(1e-3));
}
