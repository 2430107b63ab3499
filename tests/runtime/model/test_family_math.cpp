// The family pieces of the forward pass (model/family_math.h) against direct double-precision
// formulas: RoPE from a frequency table (the one rotation of the forward pass and the context
// shift), RMSNorm and LayerNorm, per-head norms, biases, the activations and soft-capping.
#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "model/family_math.h"

namespace {

using namespace sprig;

std::vector<float> random_vector(size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

TensorView f32_view(const std::vector<float>& v) { return {DType::F32, v.size(), 1, 0, v.data()}; }

// A table like a scaled one: not theta's powers, so nothing can pass by assuming them.
std::vector<float> frequencies(size_t head_dim) {
  std::vector<float> f(head_dim / 2);
  for (size_t i = 0; i < f.size(); ++i) f[i] = std::pow(500000.0f, -float(2 * i) / float(head_dim)) / (i % 3 ? 8.0f : 1.0f);
  return f;
}

TEST_CASE("rope rotates each interleaved pair by position x its table frequency, as a complex multiplication") {
  std::mt19937 rng(3);
  const size_t heads = 3, head_dim = 8;
  const auto table = frequencies(head_dim);
  for (int64_t pos : {0, 1, 37, 4000, -25}) {
    CAPTURE(pos);
    const auto v = random_vector(heads * head_dim, rng);
    std::vector<float> rotated = v;
    family::rope(rotated.data(), heads, head_dim, pos, table);
    for (size_t h = 0; h < heads; ++h)
      for (size_t i = 0; i < head_dim / 2; ++i) {
        const std::complex<double> z(v[h * head_dim + 2 * i], v[h * head_dim + 2 * i + 1]);
        const auto expected = z * std::polar(1.0, double(pos) * double(table[i]));
        CHECK(rotated[h * head_dim + 2 * i] == doctest::Approx(expected.real()).epsilon(1e-5));
        CHECK(rotated[h * head_dim + 2 * i + 1] == doctest::Approx(expected.imag()).epsilon(1e-5));
      }
  }
}

TEST_CASE("rope by -delta undoes rope by delta, and rotations compose: what a context shift relies on") {
  std::mt19937 rng(8);
  const size_t heads = 3, head_dim = 16;
  const auto table = frequencies(head_dim);
  const auto v = random_vector(heads * head_dim, rng);
  auto rotated = v;
  family::rope(rotated.data(), heads, head_dim, 1000, table);
  family::rope(rotated.data(), heads, head_dim, -1000, table);
  for (size_t i = 0; i < v.size(); ++i) CHECK(rotated[i] == doctest::Approx(v[i]).epsilon(1e-4).scale(1.0));
  auto direct = v, shifted = v;
  family::rope(direct.data(), heads, head_dim, 300, table);
  family::rope(shifted.data(), heads, head_dim, 500, table);
  family::rope(shifted.data(), heads, head_dim, -200, table);
  for (size_t i = 0; i < v.size(); ++i) CHECK(shifted[i] == doctest::Approx(direct[i]).epsilon(1e-4).scale(1.0));
}

TEST_CASE("RMSNorm and LayerNorm (with and without bias) match their formulas; normalize may work in place") {
  std::mt19937 rng(5);
  const size_t n = 24;
  const auto x = random_vector(n, rng, 3.0f), w = random_vector(n, rng), b = random_vector(n, rng);
  const float eps = 1e-5f;
  double sum = 0, squares = 0;
  for (float v : x) sum += v, squares += double(v) * v;
  const double mean = sum / n;
  double variance = 0;
  for (float v : x) variance += (v - mean) * (v - mean);
  variance /= n;

  std::vector<float> y(n);
  family::normalize(NormKind::RmsNorm, x.data(), f32_view(w), {}, y.data(), n, eps);
  for (size_t i = 0; i < n; ++i) CHECK(y[i] == doctest::Approx(w[i] * x[i] / std::sqrt(squares / n + eps)).epsilon(1e-5));
  family::normalize(NormKind::LayerNorm, x.data(), f32_view(w), f32_view(b), y.data(), n, eps);
  for (size_t i = 0; i < n; ++i)
    CHECK(y[i] == doctest::Approx(w[i] * (x[i] - mean) / std::sqrt(variance + eps) + b[i]).epsilon(1e-5));
  std::vector<float> in_place = x;
  family::normalize(NormKind::LayerNorm, in_place.data(), f32_view(w), {}, in_place.data(), n, eps);
  for (size_t i = 0; i < n; ++i) CHECK(in_place[i] == doctest::Approx(y[i] - b[i]).epsilon(1e-5));
}

TEST_CASE("per-head RMSNorm normalizes each head on its own with the shared weight") {
  std::mt19937 rng(6);
  const size_t heads = 4, head_dim = 6;
  const auto v = random_vector(heads * head_dim, rng, 2.0f), w = random_vector(head_dim, rng);
  auto out = v;
  family::normalize_heads(out.data(), f32_view(w), heads, head_dim, 1e-6f);
  for (size_t h = 0; h < heads; ++h) {
    double squares = 0;
    for (size_t i = 0; i < head_dim; ++i) squares += double(v[h * head_dim + i]) * v[h * head_dim + i];
    const double scale = 1.0 / std::sqrt(squares / head_dim + 1e-6);
    for (size_t i = 0; i < head_dim; ++i)
      CHECK(out[h * head_dim + i] == doctest::Approx(w[i] * v[h * head_dim + i] * scale).epsilon(1e-5));
  }
}

TEST_CASE("a bias adds when present and does nothing when absent") {
  std::vector<float> y = {1, 2, 3};
  const std::vector<float> b = {0.5f, -1, 2};
  family::add_bias(y.data(), {}, 3);
  CHECK(y == std::vector<float>{1, 2, 3});
  family::add_bias(y.data(), f32_view(b), 3);
  CHECK(y == std::vector<float>{1.5f, 1, 5});
}

TEST_CASE("activations: SiLU and GeLU-tanh gated, GeLU-tanh alone; soft-capping bounds by cap") {
  std::mt19937 rng(7);
  const size_t n = 16;
  const auto gate = random_vector(n, rng, 4.0f), up = random_vector(n, rng);
  auto gelu = [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); };
  auto silu_out = gate, gelu_gated = gate, gelu_alone = gate;
  family::activate(Activation::SiluGated, silu_out.data(), up.data(), n);
  family::activate(Activation::GeluTanhGated, gelu_gated.data(), up.data(), n);
  family::activate(Activation::GeluTanh, gelu_alone.data(), up.data(), n);
  for (size_t i = 0; i < n; ++i) {
    CHECK(silu_out[i] == doctest::Approx(gate[i] / (1 + std::exp(-double(gate[i]))) * up[i]).epsilon(1e-5));
    CHECK(gelu_gated[i] == doctest::Approx(gelu(gate[i]) * up[i]).epsilon(1e-5));
    CHECK(gelu_alone[i] == doctest::Approx(gelu(gate[i])).epsilon(1e-5));
  }
  std::vector<float> x = {-100, -1, 0, 1, 100};
  family::softcap(x.data(), x.size(), 0.0f);
  CHECK(x == std::vector<float>{-100, -1, 0, 1, 100});  // 0: no cap
  family::softcap(x.data(), x.size(), 10.0f);
  for (float v : x) CHECK(std::fabs(v) <= 10.0f);
  CHECK(x[0] == doctest::Approx(-10.0));
  CHECK(x[3] == doctest::Approx(10 * std::tanh(0.1)).epsilon(1e-6));
}

}  // namespace
