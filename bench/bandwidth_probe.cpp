#include "bandwidth_probe.h"

#include <pthreadpool.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <memory>

namespace sprig::bench {
namespace {

// Without software prefetch one core's loads reach about three quarters of what it can stream
// here; the kernels prefetch, so the probe must too, or its "bandwidth" would flatter them.
// kPrefetchWords ahead (16 KB) was the best of 0.5-16 KB on this machine; the probe takes the
// better of reading with and without it.
constexpr size_t kPrefetchWords = 2048;

struct ReadShares {
  const uint64_t* data;
  size_t words, shares;
  bool prefetch;
  uint64_t sums[256];

  static void read(void* context, size_t share) {
    ReadShares& r = *static_cast<ReadShares*>(context);
    const size_t begin = r.words * share / r.shares, end = r.words * (share + 1) / r.shares;
    // Four independent sums keep the loop bound by loads, not by one addition chain.
    uint64_t a = 0, b = 0, c = 0, d = 0;
    for (size_t i = begin; i + 8 <= end; i += 8) {
      if (r.prefetch) __builtin_prefetch(r.data + std::min(i + kPrefetchWords, end - 1));
      a += r.data[i] + r.data[i + 4];
      b += r.data[i + 1] + r.data[i + 5];
      c += r.data[i + 2] + r.data[i + 6];
      d += r.data[i + 3] + r.data[i + 7];
    }
    r.sums[share] = a + b + c + d;
  }
};

}  // namespace

double read_bandwidth_gbps(pthreadpool* pool, size_t threads, size_t bytes, int repeats) {
  const size_t words = bytes / sizeof(uint64_t);
  std::unique_ptr<uint64_t[]> buffer(new uint64_t[words]);
  for (size_t i = 0; i < words; ++i) buffer[i] = i;  // touch every page before timing
  ReadShares shares{buffer.get(), words, threads < 256 ? threads : 256, false, {}};
  double best = 0;
  for (int r = 0; r < 2 * repeats; ++r) {
    shares.prefetch = r % 2 == 1;
    const auto start = std::chrono::steady_clock::now();
    pthreadpool_parallelize_1d(pool, &ReadShares::read, &shares, shares.shares, 0);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, double(words * sizeof(uint64_t)) / seconds / 1e9);
  }
  volatile uint64_t sink = 0;
  for (size_t s = 0; s < shares.shares; ++s) sink = sink + shares.sums[s];
  return best;
}

}  // namespace sprig::bench
