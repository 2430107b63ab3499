// The scalar reference kernels against double-precision formulas written out here.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/attention.h"
#include "kernels/exp_approx.h"
#include "kernels/reference.h"
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

TEST_CASE("exp_approx is within one ulp of exp, with exact limits") {
  // Every 1013th float from -86.9 to 88.7 (about two million: quick under qemu too), against
  // double-precision exp. (Every 7th, in NumPy: at most 0.96 ulp.)
  double worst_ulps = 0;
  float worst_at = 0;
  auto sweep = [&](uint32_t from, uint32_t to) {  // float bit patterns, walked towards zero or up
    for (uint32_t bits = from; bits < to; bits += 1013) {
      float x;
      std::memcpy(&x, &bits, 4);
      if (!(x > -86.9f && x < 88.7f)) continue;
      const double want = std::exp(double(x));
      const double ulp = std::nextafter(float(want), INFINITY) - float(want);
      const double ulps = std::fabs(double(exp_approx(x)) - want) / ulp;
      if (ulps > worst_ulps) worst_ulps = ulps, worst_at = x;
    }
  };
  sweep(0x00000000u, 0x42b20000u);  // +0 to 89
  sweep(0x80000000u, 0xc2ae0000u);  // -0 to -87
  CAPTURE(worst_at);
  CHECK(worst_ulps < 1.0);
  MESSAGE("exp_approx: at most " << worst_ulps << " ulp from exp (at " << worst_at << ")");

  CHECK(exp_approx(0.0f) == 1.0f);
  CHECK(exp_approx(-0.0f) == 1.0f);
  CHECK(exp_approx(1.0f) == doctest::Approx(2.718281828).epsilon(1e-7));
  CHECK(exp_approx(88.7f) > 3.3e38f);  // k = 128 still finite
  CHECK(std::isinf(exp_approx(88.75f)));
  CHECK(std::isinf(exp_approx(1000.0f)));
  CHECK(std::isinf(exp_approx(INFINITY)));
  CHECK(exp_approx(-86.8f) >= 1.17549435e-38f);  // the smallest results are normal floats
  CHECK(exp_approx(-87.0f) == 0.0f);
  CHECK(exp_approx(-INFINITY) == 0.0f);
  CHECK(std::isnan(exp_approx(NAN)));
}

TEST_CASE("softmax equals the double-precision formula elementwise") {
  std::mt19937 rng(4);
  for (size_t n : {1, 5, 8, 13, 100, 1000}) {
    const auto x = random_vector(n, rng, 4.0f);
    std::vector<float> p = x;
    softmax_f32_scalar(p.data(), n);
    double max = x[0], total = 0;
    for (float v : x) max = std::max(max, double(v));
    for (float v : x) total += std::exp(v - max);
    for (size_t i = 0; i < n; ++i) CHECK(p[i] == doctest::Approx(std::exp(x[i] - max) / total).epsilon(1e-6));
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

TEST_CASE("attention over f16 and int8 caches equals f32 attention over the dequantized cache") {
  std::mt19937 rng(7);
  for (auto [count, head_dim, heads] : {std::tuple<size_t, size_t, size_t>{1, 2, 1}, {5, 8, 2}, {37, 64, 4}}) {
    const size_t stride = heads * head_dim;
    const auto keys = random_vector(count * stride, rng), values = random_vector(count * stride, rng, 3.0f);
    const auto q = random_vector(head_dim, rng);
    std::vector<uint16_t> keys16(keys.size()), values16(values.size());
    std::vector<int8_t> keys8(keys.size()), values8(values.size());
    std::vector<float> key_scales(count * heads), value_scales(count * heads);
    std::vector<float> keys16f(keys.size()), values16f(values.size()), keys8f(keys.size()), values8f(values.size());
    for (size_t t = 0; t < count; ++t) {
      kv_store_f16_scalar(&keys[t * stride], &keys16[t * stride], stride);
      kv_store_f16_scalar(&values[t * stride], &values16[t * stride], stride);
      kv_load_f16_scalar(&keys16[t * stride], &keys16f[t * stride], stride);
      kv_load_f16_scalar(&values16[t * stride], &values16f[t * stride], stride);
      kv_store_int8_scalar(&keys[t * stride], heads, head_dim, &keys8[t * stride], &key_scales[t * heads]);
      kv_store_int8_scalar(&values[t * stride], heads, head_dim, &values8[t * stride], &value_scales[t * heads]);
      kv_load_int8_scalar(&keys8[t * stride], &key_scales[t * heads], heads, head_dim, &keys8f[t * stride]);
      kv_load_int8_scalar(&values8[t * stride], &value_scales[t * heads], heads, head_dim, &values8f[t * stride]);
    }
    // int8 rows: every element within half a step of its head's scale, the largest exactly +-127.
    for (size_t i = 0; i < keys.size(); ++i)
      CHECK(std::fabs(keys8f[i] - keys[i]) <= 0.5f * key_scales[i / head_dim] * 1.0001f);
    const size_t head = heads - 1;  // read the last head, so strides and offsets matter
    const size_t at = head * head_dim;
    std::vector<float> expected(count), got(count), out_expected(head_dim), out_got(head_dim);
    attention_scores_f32_scalar(q.data(), &keys16f[at], stride, count, head_dim, 0.125f, expected.data());
    attention_scores_f16_scalar(q.data(), &keys16[at], stride, count, head_dim, 0.125f, got.data());
    CHECK(got == expected);  // the same products in the same order
    attention_scores_f32_scalar(q.data(), &keys8f[at], stride, count, head_dim, 0.125f, expected.data());
    attention_scores_int8_scalar(q.data(), &keys8[at], stride, &key_scales[head], heads, count, head_dim, 0.125f,
                                 got.data());
    for (size_t t = 0; t < count; ++t) CHECK(got[t] == doctest::Approx(expected[t]).epsilon(1e-5).scale(1.0));
    softmax_f32_scalar(got.data(), count);
    attention_values_f32_scalar(got.data(), &values16f[at], stride, count, head_dim, out_expected.data());
    attention_values_f16_scalar(got.data(), &values16[at], stride, count, head_dim, out_got.data());
    CHECK(out_got == out_expected);
    attention_values_f32_scalar(got.data(), &values8f[at], stride, count, head_dim, out_expected.data());
    attention_values_int8_scalar(got.data(), &values8[at], stride, &value_scales[head], heads, count, head_dim,
                                 out_got.data());
    for (size_t d = 0; d < head_dim; ++d) CHECK(out_got[d] == doctest::Approx(out_expected[d]).epsilon(1e-5).scale(1.0));
    // f32 attention is the weighted sum the decode path always used.
    std::vector<float> weighted(head_dim);
    weighted_sum_f32_scalar(got.data(), &values[at], weighted.data(), count, head_dim, stride);
    attention_values_f32_scalar(got.data(), &values[at], stride, count, head_dim, out_got.data());
    CHECK(out_got == weighted);
  }
}
