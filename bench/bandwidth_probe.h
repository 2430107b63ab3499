// Memory read bandwidth of this machine, measured the way decode reads weights: every byte of a
// buffer far larger than the caches, once, split over `threads` threads.
#pragma once

#include <cstddef>

struct pthreadpool;

namespace sprig::bench {

// Best of `repeats` passes over `bytes`, in GB/s (1e9 bytes per second).
double read_bandwidth_gbps(pthreadpool* pool, size_t threads, size_t bytes = size_t(1) << 29, int repeats = 5);

}  // namespace sprig::bench
