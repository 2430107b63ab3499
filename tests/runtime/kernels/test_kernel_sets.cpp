// Every kernel set this CPU runs against the scalar set, on random inputs with ragged sizes:
// rows not a multiple of any tile, columns ending in a padded block, groups 32/64/128, row ranges
// that start and end mid-tile. Everything that decides a quantized model's output must match
// exactly, bit for bit: activation quantization, quantized matvec/gemm, attention over every cache
// type, softmax, rmsnorm, rope and swiglu (so quantized models give the same tokens on every ISA). f32/f16 matvec and gemm may differ only by
// reassociation, bounded by the sum of the absolute terms.
#include <doctest/doctest.h>
#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "kernels/attention.h"
#include "kernels/kernel_set.h"
#include "sprig/half.h"
#include "sprig/tensor_format.h"

using namespace sprig;
using namespace sprig::kernels;

namespace {

constexpr float kSentinel = -12345.0f;  // rows outside a range must keep it
constexpr float kRelative = 2e-6f;      // float reassociation, per unit of absolute mass

std::vector<float> random_floats(size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

// A random quantized matrix in the file layout of tensor_format.h.
struct RandomMatrix {
  DType dtype;
  size_t rows, cols, group, blocks;
  std::vector<uint8_t> quants;
  std::vector<uint16_t> scales, mins;

  RandomMatrix(DType type, size_t r, size_t c, size_t g, std::mt19937& rng)
      : dtype(type), rows(r), cols(c), group(g), blocks((c + g - 1) / g) {
    const size_t block_bytes = dtype == DType::Q8 ? group : group / 2;
    quants.resize(rows * blocks * block_bytes);
    std::uniform_int_distribution<int> byte(0, 255), q8(-127, 127);
    for (uint8_t& q : quants) q = dtype == DType::Q8 ? uint8_t(int8_t(q8(rng))) : uint8_t(byte(rng));
    std::uniform_real_distribution<float> scale(0.001f, 0.05f), offset(-0.4f, 0.1f);
    for (size_t i = 0; i < rows * blocks; ++i) {
      scales.push_back(f32_to_f16(scale(rng)));
      mins.push_back(f32_to_f16(offset(rng)));
    }
  }

  QuantizedWeights view() const {
    return {quants.data(), scales.data(), dtype == DType::Q4A ? mins.data() : nullptr, rows, cols, blocks, group};
  }
};

struct QuantizedInput {
  std::vector<int8_t> quants;
  std::vector<float> scales;
  std::vector<int32_t> sums;
  QuantizedBatch batch;

  QuantizedInput(size_t count, size_t blocks, size_t group)
      : quants(count * blocks * group), scales(count * blocks), sums(count * blocks) {
    batch = {quants.data(), scales.data(), sums.data(), blocks, group, count};
  }
};

// One quantized vector equals another bit for bit: quants (padding included), scales and sums.
void check_same_activations(const QuantizedInput& want, const QuantizedInput& got) {
  CHECK(want.quants == got.quants);
  CHECK(std::memcmp(want.scales.data(), got.scales.data(), want.scales.size() * sizeof(float)) == 0);
  CHECK(want.sums == got.sums);
}

void check_close(float got, float expected, double mass) {
  CHECK(std::fabs(double(got) - double(expected)) <= kRelative * mass + 1e-30);
}

void check_untouched(const std::vector<float>& y, size_t begin, size_t end, size_t offset, size_t rows) {
  for (size_t r = 0; r < rows; ++r)
    if (r < begin || r >= end) CHECK(y[offset + r] == kSentinel);
}

using QuantizedMatvec = void (*)(const QuantizedWeights&, const QuantizedActivations&, float*, size_t, size_t);
using QuantizedGemm = void (*)(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);

QuantizedMatvec matvec_for(const KernelSet& s, DType t) {
  return t == DType::Q8 ? s.matvec_q8 : t == DType::Q4 ? s.matvec_q4 : s.matvec_q4a;
}
QuantizedGemm gemm_for(const KernelSet& s, DType t) {
  return t == DType::Q8 ? s.gemm_q8 : t == DType::Q4 ? s.gemm_q4 : s.gemm_q4a;
}

const size_t kRaggedRows[] = {1, 3, 5, 8, 13, 33, 70};
const size_t kRaggedBlocks[] = {1, 2, 3, 7};  // times the group, minus a ragged tail below

}  // namespace

TEST_CASE("every kernel set the CPU runs is listed, scalar first, and can be forced") {
  const auto sets = supported_kernel_sets();
  MESSAGE("kernel sets on this CPU: " << describe_kernel_sets(sets) << "; compiled: "
                                      << describe_kernel_sets(compiled_kernel_sets()));
  REQUIRE(!sets.empty());
  CHECK(std::string(sets.front()->name) == "scalar");
  for (const KernelSet* s : sets) {
    // Every entry is filled (the int8-KV ones excepted until that cache lands).
    CHECK(bool(s->quantize_activations));
    CHECK(bool(s->matvec_q4a));
    CHECK(bool(s->gemm_f16));
    CHECK(bool(s->weighted_sum_f16));
    CHECK(bool(s->swiglu));
    CHECK(bool(s->attention_scores_int8));
  }
  const std::string before = active_kernels().name;
  CHECK(!select_kernels("no_such_set"));
  CHECK(active_kernels().name == before);
  CHECK(select_kernels("scalar"));
  CHECK(std::string(active_kernels().name) == "scalar");
  CHECK(select_kernels(before));
}

TEST_CASE("quantize_activations matches scalar bit for bit") {
  std::mt19937 rng(11);
  for (const KernelSet* s : supported_kernel_sets()) {
    for (size_t group : {32, 64, 128})
      for (size_t n : {1, 5, 31, 32, 33, 100, 127, 128, 129, 1000}) {
        CAPTURE(s->name);
        CAPTURE(group);
        CAPTURE(n);
        auto x = random_floats(n, rng, 2.0f);
        if (n > 40) std::fill(x.begin(), x.begin() + 40, 0.0f);  // an all-zero block
        const size_t blocks = (n + group - 1) / group;
        QuantizedInput want(1, blocks, group), got(1, blocks, group);
        std::fill(got.quants.begin(), got.quants.end(), int8_t(99));  // padding must be rewritten
        QuantizedActivations w = want.batch.row(0), g = got.batch.row(0);
        kernel_set_scalar.quantize_activations(x.data(), n, w);
        s->quantize_activations(x.data(), n, g);
        check_same_activations(want, got);
      }
  }
}

TEST_CASE("two-term activations match scalar bit for bit") {
  std::mt19937 rng(12);
  for (const KernelSet* s : supported_kernel_sets())
    for (size_t group : {32, 64, 128})
      for (size_t n : {1, 7, 32, 33, 100, 129, 1000}) {
        CAPTURE(s->name);
        CAPTURE(group);
        CAPTURE(n);
        auto x = random_floats(n, rng, 3.0f);
        if (n > 40) std::fill(x.begin(), x.begin() + 40, 0.0f);  // an all-zero block
        const size_t blocks = (n + group - 1) / group;
        QuantizedInput want(1, blocks, group), want_residual(1, blocks, group);
        QuantizedInput got(1, blocks, group), got_residual(1, blocks, group);
        std::fill(got_residual.quants.begin(), got_residual.quants.end(), int8_t(99));  // padding is rewritten
        QuantizedActivations w = want.batch.row(0), wr = want_residual.batch.row(0);
        QuantizedActivations g = got.batch.row(0), gr = got_residual.batch.row(0);
        quantize_activations_residual_scalar(x.data(), n, w, wr);
        s->quantize_activations_residual(x.data(), n, g, gr);
        CHECK(want.quants == got.quants);
        check_same_activations(want_residual, got_residual);
        // The second term carries what the first rounded away.
        if (n == 1000) CHECK(std::count(want_residual.quants.begin(), want_residual.quants.end(), 0) < 500);
      }
}

TEST_CASE("f16 cache rows are stored with the scalar conversion's bits, extremes included") {
  std::mt19937 rng(13);
  auto values = random_floats(203, rng, 4.0f);
  const float extremes[] = {0.0f, -0.0f, 65504.0f, 65519.0f, 65520.0f, -1e9f, 1e-8f, -6e-8f, 3e-5f,
                            std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(),
                            std::numeric_limits<float>::denorm_min(), 2.0009765625f, 2.0029296875f};
  for (size_t i = 0; i < std::size(extremes); ++i) values[3 * i + 5] = extremes[i];
  for (const KernelSet* s : supported_kernel_sets()) {
    CAPTURE(s->name);
    std::vector<uint16_t> want(values.size() + 1, 0xabcd), got(values.size() + 1, 0xabcd);
    kv_store_f16_scalar(values.data(), want.data(), values.size());
    s->kv_store_f16(values.data(), got.data(), values.size());
    CHECK(want == got);
    CHECK(got.back() == 0xabcd);
  }
}

TEST_CASE("quantized matvec and gemm equal scalar bit for bit on ragged shapes and row ranges") {
  std::mt19937 rng(12);
  for (const KernelSet* s : supported_kernel_sets()) {
    if (s == supported_kernel_sets().front()) continue;
    for (DType dtype : {DType::Q8, DType::Q4, DType::Q4A})
      for (size_t group : {32, 64, 128})
        for (size_t rows : kRaggedRows)
          for (size_t whole_blocks : kRaggedBlocks) {
            const size_t cols = whole_blocks * group - (rows % 3 == 0 ? 0 : std::min(group - 1, rows * 5 % group));
            CAPTURE(s->name);
            CAPTURE(dtype_name(dtype));
            CAPTURE(group);
            CAPTURE(rows);
            CAPTURE(cols);
            const RandomMatrix m(dtype, rows, cols, group, rng);
            const size_t count = 1 + rows % 5;
            QuantizedInput input(count, m.blocks, group);
            for (size_t i = 0; i < count; ++i) {
              const auto x = random_floats(cols, rng);
              QuantizedActivations row = input.batch.row(i);
              kernel_set_scalar.quantize_activations(x.data(), cols, row);
            }
            std::uniform_int_distribution<size_t> pick(0, rows);
            size_t begin = pick(rng), end = pick(rng);
            if (begin > end) std::swap(begin, end);
            if (begin == end) begin = 0, end = rows;

            std::vector<float> want(rows, kSentinel), got(rows, kSentinel);
            const QuantizedActivations x0 = input.batch.row(0);
            matvec_for(kernel_set_scalar, dtype)(m.view(), x0, want.data(), 0, rows);
            matvec_for(*s, dtype)(m.view(), x0, got.data(), begin, end);
            for (size_t r = begin; r < end; ++r) CHECK(got[r] == want[r]);
            check_untouched(got, begin, end, 0, rows);

            const size_t stride = rows + 3;
            std::vector<float> gwant(count * stride, kSentinel), ggot(count * stride, kSentinel);
            gemm_for(kernel_set_scalar, dtype)(m.view(), input.batch, gwant.data(), stride, 0, rows);
            gemm_for(*s, dtype)(m.view(), input.batch, ggot.data(), stride, begin, end);
            for (size_t i = 0; i < count; ++i) {
              for (size_t r = begin; r < end; ++r) CHECK(ggot[i * stride + r] == gwant[i * stride + r]);
              check_untouched(ggot, begin, end, i * stride, stride);
            }
          }
  }
}

// The decode kernels for 4-bit weights work in chunks of eight blocks (scales transposed eight at
// a time, group-32 blocks taken in pairs) with a tail of single blocks: rows long enough for
// several chunks plus every tail length, as in the models (SmolLM2's 576 columns are 18 blocks of 32).
TEST_CASE("4-bit matvec equals scalar bit for bit on rows of many blocks") {
  std::mt19937 rng(13);
  for (const KernelSet* s : supported_kernel_sets()) {
    if (s == supported_kernel_sets().front()) continue;
    for (DType dtype : {DType::Q4, DType::Q4A})
      for (size_t group : {32, 64, 128})
        for (size_t whole_blocks : {8, 9, 10, 15, 16, 18, 23, 33})
          for (size_t rows : {8, 19}) {
            const size_t cols = whole_blocks * group - (whole_blocks % 2 ? 3 : 0);
            CAPTURE(s->name);
            CAPTURE(dtype_name(dtype));
            CAPTURE(group);
            CAPTURE(rows);
            CAPTURE(cols);
            const RandomMatrix m(dtype, rows, cols, group, rng);
            QuantizedInput input(1, m.blocks, group);
            const auto x = random_floats(cols, rng);
            QuantizedActivations x0 = input.batch.row(0);
            kernel_set_scalar.quantize_activations(x.data(), cols, x0);
            std::vector<float> want(rows, kSentinel), got(rows, kSentinel);
            matvec_for(kernel_set_scalar, dtype)(m.view(), x0, want.data(), 0, rows);
            const size_t begin = rows > 8 ? 1 : 0;  // a range starting mid-tile, and one whole tile
            matvec_for(*s, dtype)(m.view(), x0, got.data(), begin, rows);
            for (size_t r = begin; r < rows; ++r) CHECK(got[r] == want[r]);
            check_untouched(got, begin, rows, 0, rows);
          }
  }
}

// The same for q8 weights against two-term activations (chunks of eight blocks for the scales).
TEST_CASE("q8 two-term matvec equals scalar bit for bit on rows of many blocks") {
  std::mt19937 rng(15);
  for (const KernelSet* s : supported_kernel_sets()) {
    if (s == supported_kernel_sets().front()) continue;
    for (size_t group : {32, 64, 128})
      for (size_t whole_blocks : {8, 9, 16, 18, 23})
        for (size_t rows : {8, 19}) {
          const size_t cols = whole_blocks * group - (whole_blocks % 2 ? 5 : 0);
          CAPTURE(s->name);
          CAPTURE(group);
          CAPTURE(rows);
          CAPTURE(cols);
          const RandomMatrix m(DType::Q8, rows, cols, group, rng);
          QuantizedInput input(1, m.blocks, group), residual(1, m.blocks, group);
          const auto x = random_floats(cols, rng);
          QuantizedActivations x0 = input.batch.row(0), r0 = residual.batch.row(0);
          quantize_activations_residual_scalar(x.data(), cols, x0, r0);
          std::vector<float> want(rows, kSentinel), got(rows, kSentinel);
          kernel_set_scalar.matvec_q8_residual(m.view(), x0, r0, want.data(), 0, rows);
          const size_t begin = rows > 8 ? 2 : 0;
          s->matvec_q8_residual(m.view(), x0, r0, got.data(), begin, rows);
          for (size_t r = begin; r < rows; ++r) CHECK(got[r] == want[r]);
          check_untouched(got, begin, rows, 0, rows);
        }
  }
}

TEST_CASE("q8 with two-term activations equals scalar bit for bit on ragged shapes and row ranges") {
  std::mt19937 rng(14);
  for (const KernelSet* s : supported_kernel_sets()) {
    if (s == supported_kernel_sets().front()) continue;
    for (size_t group : {32, 64, 128})
      for (size_t rows : kRaggedRows)
        for (size_t whole_blocks : kRaggedBlocks) {
          const size_t cols = whole_blocks * group - (rows % 3 == 0 ? 0 : std::min(group - 1, rows * 7 % group));
          CAPTURE(s->name);
          CAPTURE(group);
          CAPTURE(rows);
          CAPTURE(cols);
          const RandomMatrix m(DType::Q8, rows, cols, group, rng);
          const size_t count = 1 + rows % 5;
          QuantizedInput input(count, m.blocks, group), residual(count, m.blocks, group);
          for (size_t i = 0; i < count; ++i) {
            const auto x = random_floats(cols, rng);
            QuantizedActivations main_row = input.batch.row(i), residual_row = residual.batch.row(i);
            quantize_activations_residual_scalar(x.data(), cols, main_row, residual_row);
          }
          std::uniform_int_distribution<size_t> pick(0, rows);
          size_t begin = pick(rng), end = pick(rng);
          if (begin > end) std::swap(begin, end);
          if (begin == end) begin = 0, end = rows;

          std::vector<float> want(rows, kSentinel), got(rows, kSentinel);
          kernel_set_scalar.matvec_q8_residual(m.view(), input.batch.row(0), residual.batch.row(0), want.data(), 0,
                                               rows);
          s->matvec_q8_residual(m.view(), input.batch.row(0), residual.batch.row(0), got.data(), begin, end);
          for (size_t r = begin; r < end; ++r) CHECK(got[r] == want[r]);
          check_untouched(got, begin, end, 0, rows);

          const size_t stride = rows + 3;
          std::vector<float> gwant(count * stride, kSentinel), ggot(count * stride, kSentinel);
          kernel_set_scalar.gemm_q8_residual(m.view(), input.batch, residual.batch, gwant.data(), stride, 0, rows);
          s->gemm_q8_residual(m.view(), input.batch, residual.batch, ggot.data(), stride, begin, end);
          for (size_t i = 0; i < count; ++i) {
            for (size_t r = begin; r < end; ++r) CHECK(ggot[i * stride + r] == gwant[i * stride + r]);
            check_untouched(ggot, begin, end, i * stride, stride);
          }
        }
  }
}

TEST_CASE("f32 and f16 matvec and gemm match scalar on ragged shapes") {
  std::mt19937 rng(13);
  for (const KernelSet* s : supported_kernel_sets())
    for (size_t rows : kRaggedRows)
      for (size_t cols : {1, 7, 8, 17, 64, 100, 257}) {
        CAPTURE(s->name);
        CAPTURE(rows);
        CAPTURE(cols);
        const auto w = random_floats(rows * cols, rng);
        std::vector<uint16_t> w16(w.size());
        for (size_t i = 0; i < w.size(); ++i) w16[i] = f32_to_f16(w[i]);
        const size_t count = 1 + rows % 4, x_stride = cols + 1, y_stride = rows + 2;
        const auto x = random_floats(count * x_stride, rng);
        const size_t begin = rows / 3, end = rows - rows / 4;
        std::vector<double> mass(count * rows, 0.0);
        for (size_t i = 0; i < count; ++i)
          for (size_t r = 0; r < rows; ++r)
            for (size_t c = 0; c < cols; ++c) mass[i * rows + r] += std::fabs(w[r * cols + c] * x[i * x_stride + c]);

        std::vector<float> want(rows, kSentinel), got(rows, kSentinel);
        kernel_set_scalar.matvec_f32(w.data(), x.data(), want.data(), cols, 0, rows);
        s->matvec_f32(w.data(), x.data(), got.data(), cols, begin, end);
        for (size_t r = begin; r < end; ++r) check_close(got[r], want[r], mass[r]);
        check_untouched(got, begin, end, 0, rows);
        std::fill(got.begin(), got.end(), kSentinel);
        kernel_set_scalar.matvec_f16(w16.data(), x.data(), want.data(), cols, 0, rows);
        s->matvec_f16(w16.data(), x.data(), got.data(), cols, begin, end);
        for (size_t r = begin; r < end; ++r) check_close(got[r], want[r], 1.01 * mass[r]);
        check_untouched(got, begin, end, 0, rows);

        std::vector<float> gwant(count * y_stride, kSentinel), ggot(count * y_stride, kSentinel);
        kernel_set_scalar.gemm_f32(w.data(), x.data(), x_stride, count, gwant.data(), y_stride, cols, 0, rows);
        s->gemm_f32(w.data(), x.data(), x_stride, count, ggot.data(), y_stride, cols, begin, end);
        for (size_t i = 0; i < count; ++i) {
          for (size_t r = begin; r < end; ++r)
            check_close(ggot[i * y_stride + r], gwant[i * y_stride + r], mass[i * rows + r]);
          check_untouched(ggot, begin, end, i * y_stride, y_stride);
        }
        std::fill(ggot.begin(), ggot.end(), kSentinel);
        kernel_set_scalar.gemm_f16(w16.data(), x.data(), x_stride, count, gwant.data(), y_stride, cols, 0, rows);
        s->gemm_f16(w16.data(), x.data(), x_stride, count, ggot.data(), y_stride, cols, begin, end);
        for (size_t i = 0; i < count; ++i) {
          for (size_t r = begin; r < end; ++r)
            check_close(ggot[i * y_stride + r], gwant[i * y_stride + r], 1.01 * mass[i * rows + r]);
          check_untouched(ggot, begin, end, i * y_stride, y_stride);
        }
      }
}

TEST_CASE("attention pieces equal scalar bit for bit over f32 and f16 caches") {
  std::mt19937 rng(14);
  for (const KernelSet* s : supported_kernel_sets())
    for (size_t head_dim : {8, 12, 48, 64, 128})
      for (size_t count : {1, 2, 7, 33, 130}) {
        CAPTURE(s->name);
        CAPTURE(head_dim);
        CAPTURE(count);
        const size_t stride = head_dim * 3 + 4;
        const auto q = random_floats(head_dim, rng), cache = random_floats(count * stride, rng);
        std::vector<uint16_t> cache16(cache.size());
        for (size_t i = 0; i < cache.size(); ++i) cache16[i] = f32_to_f16(cache[i]);
        const float scale = 0.125f;
        std::vector<double> mass(count, 0.0);
        for (size_t t = 0; t < count; ++t)
          for (size_t d = 0; d < head_dim; ++d) mass[t] += std::fabs(q[d] * cache[t * stride + d]) * scale;

        std::vector<float> want(count + 1, kSentinel), got(count + 1, kSentinel);
        kernel_set_scalar.attention_scores_f32(q.data(), cache.data(), stride, count, head_dim, scale, want.data());
        s->attention_scores_f32(q.data(), cache.data(), stride, count, head_dim, scale, got.data());
        for (size_t t = 0; t < count; ++t) CHECK(got[t] == want[t]);
        CHECK(got[count] == kSentinel);
        kernel_set_scalar.attention_scores_f16(q.data(), cache16.data(), stride, count, head_dim, scale, want.data());
        s->attention_scores_f16(q.data(), cache16.data(), stride, count, head_dim, scale, got.data());
        for (size_t t = 0; t < count; ++t) CHECK(got[t] == want[t]);

        std::vector<float> p = random_floats(count, rng, 3.0f), p_want = p;
        kernel_set_scalar.softmax(p_want.data(), count);
        s->softmax(p.data(), count);
        for (size_t t = 0; t < count; ++t) CHECK(p[t] == p_want[t]);

        std::vector<double> value_mass(head_dim, 0.0);
        for (size_t t = 0; t < count; ++t)
          for (size_t d = 0; d < head_dim; ++d) value_mass[d] += std::fabs(p_want[t] * cache[t * stride + d]);
        std::vector<float> out_want(head_dim + 1, kSentinel), out_got(head_dim + 1, kSentinel);
        kernel_set_scalar.weighted_sum_f32(p_want.data(), cache.data(), stride, count, head_dim, out_want.data());
        s->weighted_sum_f32(p_want.data(), cache.data(), stride, count, head_dim, out_got.data());
        for (size_t d = 0; d < head_dim; ++d) CHECK(out_got[d] == out_want[d]);
        CHECK(out_got[head_dim] == kSentinel);
        kernel_set_scalar.weighted_sum_f16(p_want.data(), cache16.data(), stride, count, head_dim, out_want.data());
        s->weighted_sum_f16(p_want.data(), cache16.data(), stride, count, head_dim, out_got.data());
        for (size_t d = 0; d < head_dim; ++d) CHECK(out_got[d] == out_want[d]);
      }
}

TEST_CASE("softmax and swiglu equal scalar bit for bit, extremes included") {
  std::mt19937 rng(17);
  for (const KernelSet* s : supported_kernel_sets())
    for (size_t n : {1, 2, 7, 8, 9, 15, 16, 17, 63, 100, 1000, 4099}) {
      CAPTURE(s->name);
      CAPTURE(n);
      // Wide scores: exp underflows (below -86.9 it is 0) and tiny results are normal floats.
      std::vector<float> p = random_floats(n, rng, 30.0f);
      if (n > 3) p[n / 2] = -INFINITY, p[1] = 200.0f;  // a masked score, and a far maximum
      std::vector<float> want = p;
      kernel_set_scalar.softmax(want.data(), n);
      s->softmax(p.data(), n);
      CHECK(std::memcmp(p.data(), want.data(), n * sizeof(float)) == 0);

      auto gate = random_floats(n, rng, 40.0f);  // exp(-g) from 0 to +inf
      if (n > 3) gate[0] = 100.0f, gate[1] = -100.0f, gate[2] = 0.0f;
      const auto up = random_floats(n, rng);
      std::vector<float> gate_want = gate;
      kernel_set_scalar.swiglu(gate_want.data(), up.data(), n);
      s->swiglu(gate.data(), up.data(), n);
      CHECK(std::memcmp(gate.data(), gate_want.data(), n * sizeof(float)) == 0);
    }
}

TEST_CASE("attention over an int8 cache equals scalar bit for bit") {
  std::mt19937 rng(18);
  std::uniform_int_distribution<int> q8(-127, 127);
  std::uniform_real_distribution<float> scale_of(0.001f, 0.05f);
  for (const KernelSet* s : supported_kernel_sets())
    for (size_t head_dim : {4, 6, 8, 13, 48, 64, 100, 128})
      for (size_t count : {1, 3, 8, 9, 33, 130}) {
        CAPTURE(s->name);
        CAPTURE(head_dim);
        CAPTURE(count);
        const size_t heads = 3, stride = head_dim * heads + 5;  // rows of several kv heads, padded
        std::vector<int8_t> cache(count * stride);
        for (int8_t& v : cache) v = int8_t(q8(rng));
        std::vector<float> scales(count * heads);
        for (float& v : scales) v = scale_of(rng);
        const auto q = random_floats(head_dim, rng);
        const size_t head = 1;  // reads keys + head * head_dim, scales + head, `heads` apart
        const int8_t* keys = cache.data() + head * head_dim;
        const float* row_scales = scales.data() + head;

        std::vector<float> want(count + 1, kSentinel), got(count + 1, kSentinel);
        kernel_set_scalar.attention_scores_int8(q.data(), keys, stride, row_scales, heads, count, head_dim, 0.125f,
                                                want.data());
        s->attention_scores_int8(q.data(), keys, stride, row_scales, heads, count, head_dim, 0.125f, got.data());
        CHECK(std::memcmp(got.data(), want.data(), count * sizeof(float)) == 0);
        CHECK(got[count] == kSentinel);

        std::vector<float> p = random_floats(count, rng, 2.0f);
        kernel_set_scalar.softmax(p.data(), count);
        std::vector<float> out_want(head_dim + 1, kSentinel), out_got(head_dim + 1, kSentinel);
        kernel_set_scalar.weighted_sum_int8(p.data(), keys, stride, row_scales, heads, count, head_dim,
                                            out_want.data());
        s->weighted_sum_int8(p.data(), keys, stride, row_scales, heads, count, head_dim, out_got.data());
        CHECK(std::memcmp(out_got.data(), out_want.data(), head_dim * sizeof(float)) == 0);
        CHECK(out_got[head_dim] == kSentinel);
      }
}

TEST_CASE("rmsnorm, rope and swiglu equal scalar bit for bit") {
  std::mt19937 rng(15);
  for (const KernelSet* s : supported_kernel_sets())
    for (size_t n : {2, 6, 8, 30, 31, 64, 100, 576, 2048}) {
      CAPTURE(s->name);
      CAPTURE(n);
      const auto x = random_floats(n, rng, 2.0f), w = random_floats(n, rng);
      std::vector<float> want(n), got(n);
      kernel_set_scalar.rmsnorm(x.data(), w.data(), want.data(), n, 1e-5f);
      s->rmsnorm(x.data(), w.data(), got.data(), n, 1e-5f);
      CHECK(got == want);
      got = x;  // in place, as the session uses it
      s->rmsnorm(got.data(), w.data(), got.data(), n, 1e-5f);
      CHECK(got == want);

      std::vector<float> gate_want = x, gate_got = x;
      kernel_set_scalar.swiglu(gate_want.data(), w.data(), n);
      s->swiglu(gate_got.data(), w.data(), n);
      for (size_t i = 0; i < n; ++i) CHECK(gate_got[i] == gate_want[i]);
    }
}

// An independent oracle for the float GEMM: XNNPACK's f32 fully-connected operator (the system
// package) on the same ragged shapes, y = x W^T.
TEST_CASE("f32 gemm of every set agrees with XNNPACK's fully-connected operator") {
  REQUIRE(xnn_initialize(nullptr) == xnn_status_success);
  std::mt19937 rng(16);
  for (auto [m, k, n] : {std::tuple<size_t, size_t, size_t>{1, 64, 33}, {7, 100, 37}, {16, 257, 70}, {5, 2048, 9}}) {
    CAPTURE(m);
    CAPTURE(k);
    CAPTURE(n);
    const auto w = random_floats(n * k, rng), x = random_floats(m * k, rng);
    std::vector<float> oracle(m * n);
    xnn_operator_t op = nullptr;
    REQUIRE(xnn_create_fully_connected_nc_f32(k, n, k, n, w.data(), nullptr, -INFINITY, INFINITY, 0, &op) ==
            xnn_status_success);
    REQUIRE(xnn_setup_fully_connected_nc_f32(op, m, x.data(), oracle.data(), nullptr) == xnn_status_success);
    REQUIRE(xnn_run_operator(op, nullptr) == xnn_status_success);
    xnn_delete_operator(op);
    for (const KernelSet* s : supported_kernel_sets()) {
      CAPTURE(std::string(s->name));
      std::vector<float> y(m * n, kSentinel);
      s->gemm_f32(w.data(), x.data(), k, m, y.data(), n, k, 0, n);
      for (size_t i = 0; i < m; ++i)
        for (size_t r = 0; r < n; ++r) {
          double mass = 0;
          for (size_t c = 0; c < k; ++c) mass += std::fabs(w[r * k + c] * x[i * k + c]);
          check_close(y[i * n + r], oracle[i * n + r], 2 * mass);
        }
    }
  }
  xnn_deinitialize();
}

// Rows [begin, end) of every output vector equal bit for bit (so -0.0f and 0.0f differ too), and
// the rows outside the range untouched.
static bool same_bits(const std::vector<float>& got, const std::vector<float>& want, size_t count, size_t stride,
                      size_t begin, size_t end) {
  bool same = true;
  for (size_t i = 0; i < count; ++i) {
    same = same && !std::memcmp(&got[i * stride + begin], &want[i * stride + begin], (end - begin) * sizeof(float));
    check_untouched(got, begin, end, i * stride, stride);
  }
  return same;
}

// The prefill tiles (16 rows x 8 tokens with AVX-512, 8 x 4 with 256-bit vectors, weights
// repacked per 1024-column chunk): every token count up to past two tiles, rows that end mid-tile
// and ranges that start mid-tile, columns past one chunk and ending in a padded block.
TEST_CASE("quantized gemm equals scalar bit for bit for every token count and across column chunks") {
  std::mt19937 rng(15);
  const size_t kRows[] = {1, 9, 17, 40};
  for (const KernelSet* s : supported_kernel_sets()) {
    if (s == supported_kernel_sets().front()) continue;
    for (DType dtype : {DType::Q8, DType::Q4, DType::Q4A})
      for (size_t group : {32, 64, 128})
        for (size_t rows : kRows) {
          // one block, or past the 1024-column chunk with a ragged last block
          const size_t cols = rows % 2 ? group - 3 : 1024 + 3 * group - 5;
          const RandomMatrix m(dtype, rows, cols, group, rng);
          const size_t max_count = 18;
          QuantizedInput input(max_count, m.blocks, group), residual(max_count, m.blocks, group);
          for (size_t i = 0; i < max_count; ++i) {
            const auto x = random_floats(cols, rng);
            QuantizedActivations main_row = input.batch.row(i), residual_row = residual.batch.row(i);
            if (dtype == DType::Q8)
              quantize_activations_residual_scalar(x.data(), cols, main_row, residual_row);
            else
              kernel_set_scalar.quantize_activations(x.data(), cols, main_row);
          }
          for (size_t count = 1; count <= max_count; ++count) {
            CAPTURE(s->name);
            CAPTURE(dtype_name(dtype));
            CAPTURE(group);
            CAPTURE(rows);
            CAPTURE(cols);
            CAPTURE(count);
            QuantizedBatch x = input.batch, r = residual.batch;
            x.count = r.count = count;
            const size_t begin = count % 3 == 0 ? 0 : std::min(rows - 1, count % 7);
            const size_t end = count % 2 == 0 ? rows : rows - std::min(rows - begin - 1, count % 4);
            const size_t stride = rows + 5;
            std::vector<float> want(count * stride, kSentinel), got(count * stride, kSentinel);
            gemm_for(kernel_set_scalar, dtype)(m.view(), x, want.data(), stride, 0, rows);
            gemm_for(*s, dtype)(m.view(), x, got.data(), stride, begin, end);
            CHECK(same_bits(got, want, count, stride, begin, end));
            if (dtype != DType::Q8) continue;
            std::fill(want.begin(), want.end(), kSentinel);
            std::fill(got.begin(), got.end(), kSentinel);
            kernel_set_scalar.gemm_q8_residual(m.view(), x, r, want.data(), stride, 0, rows);
            s->gemm_q8_residual(m.view(), x, r, got.data(), stride, begin, end);
            CHECK(same_bits(got, want, count, stride, begin, end));
          }
        }
  }
}
