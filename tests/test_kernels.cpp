// The scalar reference kernels against double-precision formulas written out here.
#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "../runtime/kernels/reference.h"
#include "sprig/half.h"

using namespace sprig;
using namespace sprig::kernels;

namespace {

std::vector<float> random_vector(size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

}  // namespace

TEST_CASE("matvec f32 and f16 on ragged shapes") {
  std::mt19937 rng(1);
  for (auto [rows, cols] : {std::pair<size_t, size_t>{1, 1}, {3, 7}, {17, 33}, {64, 172}, {5, 1000}}) {
    const auto w = random_vector(rows * cols, rng), x = random_vector(cols, rng);
    std::vector<uint16_t> w16(w.size());
    for (size_t i = 0; i < w.size(); ++i) w16[i] = f32_to_f16(w[i]);
    std::vector<float> y(rows), y16(rows);
    matvec_f32_scalar(w.data(), x.data(), y.data(), rows, cols);
    matvec_f16_scalar(w16.data(), x.data(), y16.data(), rows, cols);
    for (size_t r = 0; r < rows; ++r) {
      double exact = 0, exact16 = 0;
      for (size_t c = 0; c < cols; ++c) {
        exact += double(w[r * cols + c]) * x[c];
        exact16 += double(f16_to_f32(w16[r * cols + c])) * x[c];
      }
      const double tolerance = 1e-5 * std::sqrt(double(cols)) * 4;
      CHECK(std::fabs(y[r] - exact) < tolerance);
      CHECK(std::fabs(y16[r] - exact16) < tolerance);
    }
  }
}

TEST_CASE("rmsnorm, softmax and swiglu") {
  std::mt19937 rng(2);
  const size_t n = 67;
  const auto x = random_vector(n, rng, 3.0f), w = random_vector(n, rng);
  std::vector<float> y(n);
  rmsnorm_f32_scalar(x.data(), w.data(), y.data(), n, 1e-5f);
  double mean_square = 0;
  for (float v : x) mean_square += double(v) * v / n;
  for (size_t i = 0; i < n; ++i) CHECK(y[i] == doctest::Approx(x[i] / std::sqrt(mean_square + 1e-5) * w[i]).epsilon(1e-5));

  std::vector<float> p = x;
  p[3] = 1000.0f;  // a large logit must not overflow
  softmax_f32_scalar(p.data(), n);
  double total = 0;
  for (float v : p) total += v;
  CHECK(total == doctest::Approx(1.0).epsilon(1e-5));
  CHECK(p[3] == doctest::Approx(1.0).epsilon(1e-6));

  std::vector<float> gate = x;
  swiglu_f32_scalar(gate.data(), w.data(), n);
  for (size_t i = 0; i < n; ++i)
    CHECK(gate[i] == doctest::Approx(x[i] / (1.0 + std::exp(-double(x[i]))) * w[i]).epsilon(1e-5));
}

TEST_CASE("rope rotates each interleaved pair as a complex multiplication") {
  std::mt19937 rng(3);
  const size_t heads = 3, head_dim = 8, pos = 37;
  const float theta = 10000.0f;
  const auto v = random_vector(heads * head_dim, rng);
  std::vector<float> rotated = v;
  rope_interleaved_f32_scalar(rotated.data(), heads, head_dim, pos, theta);
  for (size_t h = 0; h < heads; ++h)
    for (size_t i = 0; i < head_dim; i += 2) {
      const double angle = pos * std::pow(double(theta), -double(i) / head_dim);
      const std::complex<double> z(v[h * head_dim + i], v[h * head_dim + i + 1]);
      const auto expected = z * std::polar(1.0, angle);
      CHECK(rotated[h * head_dim + i] == doctest::Approx(expected.real()).epsilon(1e-4));
      CHECK(rotated[h * head_dim + i + 1] == doctest::Approx(expected.imag()).epsilon(1e-4));
    }
}

TEST_CASE("weighted sum over strided rows") {
  const float weights[] = {0.25f, 0.75f};
  const float values[] = {1, 2, 99, 3, 4, 99};  // rows of stride 3, the last column unused
  float out[2];
  weighted_sum_f32_scalar(weights, values, out, 2, 2, 3);
  CHECK(out[0] == doctest::Approx(0.25 * 1 + 0.75 * 3));
  CHECK(out[1] == doctest::Approx(0.25 * 2 + 0.75 * 4));
}
