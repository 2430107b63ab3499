#include "allocation_counter.h"

#include <cerrno>
#include <cstdlib>
#include <new>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void __libc_free(void*);
}

namespace {

thread_local bool counting = false;
thread_local size_t allocation_count = 0;
thread_local size_t free_count = 0;
thread_local size_t allocated_bytes = 0;

void note_allocation(size_t bytes) {
  if (counting) {
    ++allocation_count;
    allocated_bytes += bytes;
  }
}
void note_free(void* p) {
  if (counting && p) ++free_count;
}

}  // namespace

extern "C" {

void* malloc(size_t size) {
  note_allocation(size);
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) {
  note_allocation(count * size);
  return __libc_calloc(count, size);
}
void* realloc(void* p, size_t size) {
  note_allocation(size);
  return __libc_realloc(p, size);
}
void free(void* p) {
  note_free(p);
  __libc_free(p);
}
void* aligned_alloc(size_t alignment, size_t size) {
  note_allocation(size);
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) {
  note_allocation(size);
  void* p = __libc_memalign(alignment, size);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}

}  // extern "C"

void* operator new(size_t size) {
  void* p = malloc(size ? size : 1);
  if (!p) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t size) { return operator new(size); }
void* operator new(size_t size, std::align_val_t alignment) {
  void* p = aligned_alloc(size_t(alignment), (size + size_t(alignment) - 1) / size_t(alignment) * size_t(alignment));
  if (!p) throw std::bad_alloc();
  return p;
}
void* operator new[](size_t size, std::align_val_t alignment) { return operator new(size, alignment); }
void operator delete(void* p) noexcept { free(p); }
void operator delete[](void* p) noexcept { free(p); }
void operator delete(void* p, size_t) noexcept { free(p); }
void operator delete[](void* p, size_t) noexcept { free(p); }
void operator delete(void* p, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { free(p); }

namespace sprig::test {

AllocationCounter::AllocationCounter() {
  allocation_count = 0;
  free_count = 0;
  allocated_bytes = 0;
  counting = true;
}
AllocationCounter::~AllocationCounter() { counting = false; }
size_t AllocationCounter::allocations() const { return allocation_count; }
size_t AllocationCounter::frees() const { return free_count; }
size_t AllocationCounter::bytes() const { return allocated_bytes; }

}  // namespace sprig::test
