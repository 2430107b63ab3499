// Counts heap allocations made by the current thread while counting is on. The definitions
// replace malloc, calloc, realloc, aligned_alloc, posix_memalign and operator new/delete for the
// whole test binary, so nothing can allocate unseen (not linked into sanitizer builds, whose
// runtimes own those symbols).
#pragma once

#include <cstddef>

namespace sprig::test {

class AllocationCounter {
 public:
  AllocationCounter();   // starts counting on this thread
  ~AllocationCounter();  // stops
  size_t allocations() const;
  size_t frees() const;
  size_t bytes() const;  // requested by the allocations counted
};

}  // namespace sprig::test
