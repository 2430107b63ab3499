// sprig-bench-kernels: the kernels alone, as ratios to this machine's own limits.
//   decode: quantized matvec over matrices far larger than the caches, in GB/s of weights read,
//           beside the measured read bandwidth (the ceiling);
//   prefill: quantized GEMM at M = 128 on the Llama-3.2-1B shapes in GOPS, beside XNNPACK's int8
//           (qs8) and f32 fully-connected operators on the same shapes and threads;
//   dispatch: the cost of one pthreadpool parallel region;
//   decode from L2: the same kernels on weights in cache, in GB/s of thread CPU time (steady under load);
//   attention and elementwise kernels per set vs scalar (elementwise_bench.cpp; alone with
//   --elementwise).
// Usage: sprig-bench-kernels [-t 1,2] [--quick] [--decode] [--elementwise]
//   (--decode: skip the prefill GEMMs)
#include <pthreadpool.h>
#include <xnnpack.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/kernel_set.h"
#include "bandwidth_probe.h"
#include "elementwise_bench.h"
#include "sprig/half.h"

using namespace sprig;
using namespace sprig::kernels;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Q8R: q8 weights against two-term activations (matvec_q8_residual), what the session runs for q8.
enum class Kind { Q8, Q4, Q8R, F16 };
const char* kind_name(Kind k) {
  return k == Kind::Q8 ? "q8" : k == Kind::Q4 ? "q4" : k == Kind::Q8R ? "q8 two-term" : "f16";
}

struct Matrix {
  size_t rows, cols, group, blocks;
  Kind kind;
  std::vector<uint8_t> quants;
  std::vector<uint16_t> scales;
  QuantizedWeights view() const { return {quants.data(), scales.data(), nullptr, rows, cols, blocks, group}; }
  size_t bytes() const { return quants.size() + scales.size() * 2; }
};

Matrix random_matrix(Kind kind, size_t rows, size_t cols, size_t group, std::mt19937& rng) {
  Matrix m{rows, cols, group, (cols + group - 1) / group, kind, {}, {}};
  const bool q8 = kind != Kind::Q4;
  m.quants.resize(rows * m.blocks * (q8 ? group : group / 2));
  std::uniform_int_distribution<int> byte(0, 255), q8_value(-127, 127);
  for (uint8_t& q : m.quants) q = q8 ? uint8_t(int8_t(q8_value(rng))) : uint8_t(byte(rng));
  m.scales.assign(rows * m.blocks, f32_to_f16(0.01f));
  return m;
}

// Rows in tiles spread over the pool, as the session does.
struct RowTask {
  const KernelSet* set;
  const Matrix* m;
  QuantizedBatch x;
  float* y;
  size_t y_stride, tile;
  const QuantizedBatch* residual;  // q8's second activation term, or null
  static void run(void* context, size_t i) {
    const RowTask& t = *static_cast<const RowTask*>(context);
    const size_t begin = i * t.tile, end = std::min(t.m->rows, begin + t.tile);
    const bool q8 = t.m->kind != Kind::Q4;
    if (t.residual)
      t.set->gemm_q8_residual(t.m->view(), t.x, *t.residual, t.y, t.y_stride, begin, end);
    else if (t.m->kind == Kind::Q8R && t.x.count == 1)  // the same vector as both terms: speed only
      t.set->matvec_q8_residual(t.m->view(), t.x.row(0), t.x.row(0), t.y, begin, end);
    else if (t.m->kind == Kind::Q8R)
      t.set->gemm_q8_residual(t.m->view(), t.x, t.x, t.y, t.y_stride, begin, end);
    else if (t.x.count == 1)
      (q8 ? t.set->matvec_q8 : t.set->matvec_q4)(t.m->view(), t.x.row(0), t.y, begin, end);
    else
      (q8 ? t.set->gemm_q8 : t.set->gemm_q4)(t.m->view(), t.x, t.y, t.y_stride, begin, end);
  }
};

void multiply(pthreadpool* pool, size_t threads, const KernelSet& set, const Matrix& m, const QuantizedBatch& x,
              float* y, size_t y_stride, const QuantizedBatch* residual = nullptr) {
  const size_t tiles = threads * 4;
  const size_t tile = threads <= 1 ? m.rows : std::max<size_t>(8, (m.rows + tiles - 1) / tiles + 7) / 8 * 8;
  RowTask task{&set, &m, x, y, y_stride, tile, residual};
  pthreadpool_parallelize_1d(pool, &RowTask::run, &task, (m.rows + tile - 1) / tile, 0);
}

struct Activations {
  std::vector<float> values;
  std::vector<int8_t> quants;
  std::vector<float> scales;
  std::vector<int32_t> sums;
  QuantizedBatch batch;
  Activations(size_t count, size_t cols, size_t group, std::mt19937& rng) {
    const size_t blocks = (cols + group - 1) / group;
    std::normal_distribution<float> normal;
    values.resize(count * cols);
    for (float& v : values) v = normal(rng);
    quants.resize(count * blocks * group);
    scales.resize(count * blocks);
    sums.resize(count * blocks);
    batch = {quants.data(), scales.data(), sums.data(), blocks, group, count};
  }
  void quantize(const KernelSet& set, size_t cols) {
    for (size_t i = 0; i < batch.count; ++i) {
      QuantizedActivations row = batch.row(i);
      set.quantize_activations(values.data() + i * cols, cols, row);
    }
  }
  // Both terms, as the session quantizes inputs of q8 matrices; `residual` is laid out like this.
  void quantize_two_terms(Activations& residual, size_t cols) {
    for (size_t i = 0; i < batch.count; ++i) {
      QuantizedActivations row = batch.row(i), second = residual.batch.row(i);
      quantize_activations_residual_scalar(values.data() + i * cols, cols, row, second);
    }
  }
};

std::vector<size_t> parse_list(const std::string& text) {
  std::vector<size_t> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t comma = text.find(',', start);
    out.push_back(std::stoul(text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

double empty_region_microseconds(pthreadpool* pool, size_t threads) {
  struct Nothing {
    static void run(void*, size_t) {}
  };
  const int regions = 20000;
  const auto start = Clock::now();
  for (int i = 0; i < regions; ++i) pthreadpool_parallelize_1d(pool, &Nothing::run, nullptr, threads, 0);
  return seconds_since(start) / regions * 1e6;
}

// XNNPACK's fully-connected operators on M x K inputs and N x K weights: GOPS (2 M N K per run).
double xnnpack_gops(bool int8, size_t m, size_t k, size_t n, pthreadpool* pool, int runs, std::mt19937& rng) {
  xnn_operator_t op = nullptr;
  std::vector<int8_t> w8(n * k), x8(m * k), y8(m * n);
  std::vector<float> wf(n * k), xf(m * k), yf(m * n);
  std::uniform_int_distribution<int> q(-127, 127);
  for (auto& v : w8) v = int8_t(q(rng));
  for (auto& v : x8) v = int8_t(q(rng));
  for (size_t i = 0; i < wf.size(); ++i) wf[i] = w8[i] * 0.01f;
  for (size_t i = 0; i < xf.size(); ++i) xf[i] = x8[i] * 0.01f;
  xnn_status status;
  if (int8) {
    status = xnn_create_fully_connected_nc_qs8(k, n, k, n, 0, 0.01f, 0.01f, w8.data(), nullptr, 0, 1.0f, -127, 127, 0,
                                               &op);
    if (status == xnn_status_success) status = xnn_setup_fully_connected_nc_qs8(op, m, x8.data(), y8.data(), pool);
  } else {
    status = xnn_create_fully_connected_nc_f32(k, n, k, n, wf.data(), nullptr, -INFINITY, INFINITY, 0, &op);
    if (status == xnn_status_success) status = xnn_setup_fully_connected_nc_f32(op, m, xf.data(), yf.data(), pool);
  }
  if (status != xnn_status_success) {
    if (op) xnn_delete_operator(op);
    return 0;
  }
  xnn_run_operator(op, pool);  // warm
  const auto start = Clock::now();
  for (int r = 0; r < runs; ++r) xnn_run_operator(op, pool);
  const double seconds = seconds_since(start) / runs;
  xnn_delete_operator(op);
  return 2.0 * m * n * k / seconds / 1e9;
}

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

// Decode kernels with the weights in L2 (a matrix of 256 rows read over and over), one thread,
// timed in the thread's own CPU time: how fast a kernel consumes weights when memory is not the
// limit. Time-slicing by other processes does not count, so on a loaded machine this is far
// steadier than the streamed rows; it must sit well above the read bandwidth for decode to reach
// it (the margin is the kernel's share of the time once memory delivers at full speed).
void decode_from_cache(std::mt19937& rng, double bandwidth) {
  const size_t group = 32, rows = 256, cols = 2048;
  std::printf("\n## Decode kernels from L2: matvec %zu x %zu, group %zu, 1 thread, GB/s of thread CPU time\n\n", rows,
              cols, group);
  std::printf("| weights | kernels | GB/s from L2 | x read bandwidth (1 thread) |\n|---|---|---|---|\n");
  Activations x(1, cols, group, rng);
  std::vector<float> y(rows);
  std::vector<uint16_t> f16(rows * cols);
  for (size_t i = 0; i < f16.size(); ++i) f16[i] = f32_to_f16(float(int(i % 251) - 125) * 0.01f);
  for (Kind kind : {Kind::Q4, Kind::Q8, Kind::Q8R, Kind::F16}) {
    const Matrix m = kind == Kind::F16 ? Matrix{} : random_matrix(kind, rows, cols, group, rng);
    const size_t bytes = kind == Kind::F16 ? f16.size() * 2 : m.bytes();
    for (const KernelSet* set : supported_kernel_sets()) {
      x.quantize(*set, cols);
      auto once = [&] {
        if (kind == Kind::F16) set->matvec_f16(f16.data(), x.values.data(), y.data(), cols, 0, rows);
        else multiply(nullptr, 1, *set, m, x.batch, y.data(), 0);
      };
      once();  // warm: into L2
      double best = 0;
      for (int pass = 0; pass < 3; ++pass) {
        const double start = thread_cpu_seconds();
        size_t runs = 0;
        do {
          once();
          ++runs;
        } while (thread_cpu_seconds() - start < 0.1);
        best = std::max(best, double(bytes) * runs / (thread_cpu_seconds() - start) / 1e9);
      }
      std::printf("| %s | %s | %.1f | %.1fx |\n", kind_name(kind), set->name, best, best / bandwidth);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<size_t> thread_counts = {1, 2};
  bool quick = false, decode_only = false, elementwise_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "-t") && i + 1 < argc) thread_counts = parse_list(argv[++i]);
    else if (!std::strcmp(argv[i], "--quick")) quick = true;
    else if (!std::strcmp(argv[i], "--decode")) decode_only = true;
    else if (!std::strcmp(argv[i], "--elementwise")) elementwise_only = true;
    else {
      std::fprintf(stderr, "usage: sprig-bench-kernels [-t 1,2] [--quick] [--decode] [--elementwise]\n");
      return 2;
    }
  }
  std::printf("cpu: %s\nkernel sets: %s\n\n", cpu_features().describe().c_str(),
              describe_kernel_sets(supported_kernel_sets()).c_str());
  if (elementwise_only) {
    bench::print_elementwise_kernels(quick);
    return 0;
  }
  if (xnn_initialize(nullptr) != xnn_status_success) std::printf("XNNPACK failed to initialise; its rows are 0\n");
  std::mt19937 rng(7);

  std::printf("## Memory read bandwidth and dispatch cost\n\n| threads | read GB/s | empty region us |\n|---|---|---|\n");
  std::vector<double> bandwidth(thread_counts.size());
  for (size_t i = 0; i < thread_counts.size(); ++i) {
    const size_t t = thread_counts[i];
    pthreadpool* pool = t > 1 ? pthreadpool_create(t) : nullptr;
    bandwidth[i] = bench::read_bandwidth_gbps(pool, t);
    std::printf("| %zu | %.1f | %.2f |\n", t, bandwidth[i], t > 1 ? empty_region_microseconds(pool, t) : 0.0);
    if (pool) pthreadpool_destroy(pool);
  }

  // Decode: the w_gate shape of Llama-3.2-1B (8192 rows x 2048 columns), copies adding up to
  // 256 MB or more, so every pass streams from memory.
  const size_t group = 32, rows = 8192, cols = 2048;
  std::printf("\n## Decode: matvec %zu x %zu, group %zu, weights streamed from memory\n\n", rows, cols, group);
  std::printf("| weights | kernels | threads | GB/s | read GB/s around it | of read bandwidth | vs scalar |\n"
              "|---|---|---|---|---|---|---|\n");
  for (Kind kind : {Kind::Q4, Kind::Q8, Kind::Q8R}) {
    std::vector<Matrix> copies;
    size_t total = 0;
    while (total < (quick ? (size_t(96) << 20) : (size_t(256) << 20))) {
      copies.push_back(random_matrix(kind, rows, cols, group, rng));
      total += copies.back().bytes();
    }
    Activations x(1, cols, group, rng);
    std::vector<float> y(rows);
    double scalar_gbps = 0;
    for (const KernelSet* set : supported_kernel_sets()) {
      x.quantize(*set, cols);
      for (size_t i = 0; i < thread_counts.size(); ++i) {
        const size_t t = thread_counts[i];
        if (std::string(set->name) == "scalar" && t > 1) continue;
        pthreadpool* pool = t > 1 ? pthreadpool_create(t) : nullptr;
        // The machine's bandwidth moves within seconds here: each row is measured against the
        // probes on either side of it.
        auto probe = [&] { return bench::read_bandwidth_gbps(pool, t, size_t(1) << 28, 2); };
        const double before = probe();
        double best = 0;
        for (int pass = 0; pass < 3; ++pass) {
          const auto start = Clock::now();
          for (const Matrix& m : copies) multiply(pool, t, *set, m, x.batch, y.data(), 0);
          best = std::max(best, double(total) / seconds_since(start) / 1e9);
        }
        const double around = (before + probe()) / 2;
        if (std::string(set->name) == "scalar") scalar_gbps = best;
        std::printf("| %s | %s | %zu | %.1f | %.1f | %.0f%% | %.1fx |\n", kind_name(kind), set->name, t, best, around,
                    100 * best / around, scalar_gbps > 0 ? best / scalar_gbps : 0.0);
        if (pool) pthreadpool_destroy(pool);
      }
    }
  }

  decode_from_cache(rng, bandwidth[0]);
  if (decode_only) {
    xnn_deinitialize();
    return 0;
  }

  // Prefill: M = 128 prompt tokens against the 1B model's three matrix shapes.
  const size_t m_tokens = 128;
  struct Shape {
    size_t k, n;
  };
  const Shape shapes[] = {{2048, 8192}, {8192, 2048}, {2048, 2048}};
  std::printf("\n## Prefill: GEMM at M = %zu (activation quantization included), GOPS = 2 M N K / s\n\n", m_tokens);
  std::printf("| K x N | threads | sprig q8 | sprig q4 | sprig q8 two-term | XNNPACK qs8 | XNNPACK f32 "
              "| sprig q8 / XNNPACK qs8 | sprig q4 / XNNPACK qs8 |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  const KernelSet& best_set = *supported_kernel_sets().back();
  for (const Shape& s : shapes) {
    Activations x(m_tokens, s.k, group, rng), residual(m_tokens, s.k, group, rng);
    std::vector<float> y(m_tokens * s.n);
    const Matrix q8 = random_matrix(Kind::Q8, s.n, s.k, group, rng);
    const Matrix q4 = random_matrix(Kind::Q4, s.n, s.k, group, rng);
    for (size_t t : thread_counts) {
      pthreadpool* pool = t > 1 ? pthreadpool_create(t) : nullptr;
      const int runs = quick ? 1 : 3;
      auto sprig_gops = [&](const Matrix& w) {
        multiply(pool, t, best_set, w, x.batch, y.data(), s.n);  // warm
        const auto start = Clock::now();
        for (int r = 0; r < runs; ++r) {
          x.quantize(best_set, s.k);
          multiply(pool, t, best_set, w, x.batch, y.data(), s.n);
        }
        return 2.0 * m_tokens * s.n * s.k / (seconds_since(start) / runs) / 1e9;
      };
      const double g8 = sprig_gops(q8), g4 = sprig_gops(q4);
      // q8 models' matmuls: two int8 dot products per weight (the second term), counted as one
      auto two_term_gops = [&] {
        x.quantize_two_terms(residual, s.k);
        multiply(pool, t, best_set, q8, x.batch, y.data(), s.n, &residual.batch);  // warm
        const auto start = Clock::now();
        for (int r = 0; r < runs; ++r) {
          x.quantize_two_terms(residual, s.k);
          multiply(pool, t, best_set, q8, x.batch, y.data(), s.n, &residual.batch);
        }
        return 2.0 * m_tokens * s.n * s.k / (seconds_since(start) / runs) / 1e9;
      };
      const double g8x2 = two_term_gops();
      const double x8 = xnnpack_gops(true, m_tokens, s.k, s.n, pool, runs, rng);
      const double xf = xnnpack_gops(false, m_tokens, s.k, s.n, pool, runs, rng);
      std::printf("| %zu x %zu | %zu | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.2f |\n", s.k, s.n, t, g8, g4, g8x2,
                  x8, xf, x8 > 0 ? g8 / x8 : 0.0, x8 > 0 ? g4 / x8 : 0.0);
      if (pool) pthreadpool_destroy(pool);
    }
  }
  std::printf("\n(sprig rows use the %s set)\n", best_set.name);
  xnn_deinitialize();
  bench::print_elementwise_kernels(quick);
  return 0;
}
