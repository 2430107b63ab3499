// The one alignment of the runtime's memory: arena regions, the arena's start and the memory a
// backend lends out are all 64-byte aligned (a cache line; the widest SIMD load).
#pragma once

#include <cstddef>

namespace sprig {

constexpr size_t kAlignment = 64;

constexpr size_t align_up(size_t n, size_t alignment = kAlignment) {
  return (n + alignment - 1) / alignment * alignment;
}

}  // namespace sprig
