// XNNPACK's f32 fully-connected operator as the session's matmul for f32 matrices; the arena
// allocator XNNPACK allocates through; the learned size of its packed weights. See the header.
#include "backends/xnnpack_backend.h"

#include <xnnpack.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>

#include "platform/alignment.h"

namespace sprig::xnnpack {
namespace {

// ---- The allocator: a bump pointer over memory the thread creating operators has lent it.

struct Cursor {
  std::byte* next;
  std::byte* end;
  size_t allocations = 0;
  size_t sizes[2] = {0, 0};  // the first two (a probe's operator object and packed weights)
};
thread_local Cursor* current = nullptr;

[[noreturn]] void stop_outside_creation(size_t bytes) {
  std::fprintf(stderr,
               "sprig: XNNPACK asked for %zu bytes outside session creation; its setup and run must not allocate "
               "(every XNNPACK allocation comes from a session's arena). Stopping.\n",
               bytes);
  std::abort();
}

void* allocate_aligned(void*, size_t alignment, size_t size) {
  Cursor* c = current;
  if (!c) stop_outside_creation(size);
  alignment = std::max(alignment, kAlignment);
  const uintptr_t start = (reinterpret_cast<uintptr_t>(c->next) + alignment - 1) & ~uintptr_t(alignment - 1);
  const uintptr_t end = reinterpret_cast<uintptr_t>(c->end);
  if (start > end || size > end - start) return nullptr;  // XNNPACK reports out_of_memory
  c->next = reinterpret_cast<std::byte*>(start + size);
  if (c->allocations < 2) c->sizes[c->allocations] = size;
  ++c->allocations;
  return reinterpret_cast<void*>(start);
}

void* allocate(void* context, size_t size) { return allocate_aligned(context, kAlignment, size); }

// A bump arena cannot grow a block whose size it does not know; XNNPACK's fully-connected
// operators never ask (checked by the planned sizes matching what creation used).
void* reallocate(void* context, void* pointer, size_t size) {
  if (!pointer) return allocate(context, size);
  if (!current) stop_outside_creation(size);
  return nullptr;
}

// The memory belongs to the arena, which is released with the session.
void deallocate(void*, void*) {}

const xnn_allocator kArenaAllocator = {nullptr, &allocate, &reallocate, &deallocate, &allocate_aligned, &deallocate};

// Lends `cursor` to the allocator for this thread while alive.
class Lend {
 public:
  explicit Lend(Cursor& cursor) : previous_(current) { current = &cursor; }
  ~Lend() { current = previous_; }

 private:
  Cursor* previous_;
};

// ---- What an f32 fully-connected operator allocates, learned from probes.
//
// Creation allocates the operator object (a fixed size) and the packed weights: output channels in
// blocks of nr, each block holding nr biases and nr x (input channels rounded up to kr) weights.
// Probes find nr and kr from where the packed size steps, derive the per-block bytes, and check the
// rule on shapes they did not use. Any other pattern disables the backend with a message.
struct PackedLayout {
  size_t operator_bytes = 0;
  size_t nr = 0, kr = 0;
  size_t block_base = 0, block_per_k = 0;  // one block of nr outputs: base + per_k x ceil(k / kr)
  size_t packed_bytes(size_t k, size_t n) const {
    return (n + nr - 1) / nr * (block_base + block_per_k * ((k + kr - 1) / kr));
  }
  // What create() takes for one operator in the arena, alignment included.
  size_t operator_region_bytes(size_t k, size_t n) const {
    return align_up(operator_bytes) + align_up(packed_bytes(k, n));
  }
};

constexpr size_t kProbeMax = 128;
alignas(64) std::byte probe_memory[1 << 17];
float probe_weights[kProbeMax * kProbeMax];

// (operator object bytes, packed bytes) of an f32 operator for k inputs and n outputs; {0, 0} if
// creation failed or allocated other than twice.
std::pair<size_t, size_t> probe(size_t k, size_t n) {
  Cursor cursor{probe_memory, probe_memory + sizeof probe_memory};
  xnn_operator_t op = nullptr;
  xnn_status status;
  {
    Lend lend(cursor);
    status = xnn_create_fully_connected_nc_f32(k, n, k, n, probe_weights, nullptr, -INFINITY, INFINITY, 0, &op);
  }
  if (op) xnn_delete_operator(op);
  if (status != xnn_status_success || cursor.allocations != 2) return {0, 0};
  return {cursor.sizes[0], cursor.sizes[1]};
}

Result<PackedLayout> learn_layout() {
  for (float& w : probe_weights) w = 0.5f;
  PackedLayout layout;
  const auto [operator_bytes, one] = probe(1, 1);
  if (one == 0)
    return Error("XNNPACK's f32 fully-connected operator did not allocate through sprig's allocator as expected "
                 "(was XNNPACK initialised elsewhere in this process with another allocator?)");
  layout.operator_bytes = operator_bytes;
  for (size_t n = 1; n < kProbeMax && !layout.nr; ++n)
    if (probe(1, n + 1).second != probe(1, n).second) layout.nr = n;
  for (size_t k = 1; k < kProbeMax && !layout.kr; ++k)
    if (probe(k + 1, 1).second != probe(k, 1).second) layout.kr = k;
  if (!layout.nr || !layout.kr) return Error("XNNPACK's packed f32 weights follow no block pattern sprig knows");
  layout.block_per_k = probe(layout.kr + 1, 1).second - one;
  layout.block_base = one - layout.block_per_k;
  const size_t checks[][2] = {{37, 29}, {5, 70}, {100, 3}, {64, 64}, {127, 127}};
  for (const auto& [k, n] : checks) {
    const auto [op_bytes, packed] = probe(k, n);
    if (op_bytes != layout.operator_bytes || packed != layout.packed_bytes(k, n))
      return Error("XNNPACK's packed f32 weights for " + std::to_string(k) + " x " + std::to_string(n) + " take " +
                   std::to_string(packed) + " bytes, not the " + std::to_string(layout.packed_bytes(k, n)) +
                   " sprig's plan predicts");
  }
  return layout;
}

struct Initialized {
  Status status;
  PackedLayout layout;
};

const Initialized& initialized() {
  static Initialized state;
  static std::once_flag once;
  std::call_once(once, [] {
    // XNNPACK keeps the allocator of the first xnn_initialize in the process.
    Cursor cursor{probe_memory, probe_memory + sizeof probe_memory};
    xnn_status status;
    {
      Lend lend(cursor);
      status = xnn_initialize(&kArenaAllocator);
    }
    if (status != xnn_status_success) {
      state.status = Error("XNNPACK failed to initialise (status " + std::to_string(int(status)) +
                           "; unsupported CPU?)");
      return;
    }
    auto layout = learn_layout();
    if (!layout) {
      state.status = layout.error();
      return;
    }
    state.layout = layout.value();
  });
  return state;
}

bool on_xnnpack(const TensorView& w) { return w.data && w.dtype == DType::F32 && w.rows > 0 && w.cols > 0; }

}  // namespace

Status initialize() { return initialized().status; }

Coverage coverage(const MatrixList& matrices) {
  Coverage c;
  for (size_t i = 0; i < matrices.size(); ++i) {
    const TensorView& w = *matrices.at(i).weights;
    if (!w.data) continue;
    ++(on_xnnpack(w) ? c.on_xnnpack : c.on_sprig);
  }
  return c;
}

Result<size_t> region_bytes(const MatrixList& matrices) {
  const Initialized& init = initialized();
  if (!init.status) return Error("backend xnnpack: " + init.status.message());
  size_t bytes = align_up(sizeof(Matrices)) + align_up(matrices.size() * sizeof(Matrices::Operator));
  for (size_t i = 0; i < matrices.size(); ++i) {
    const TensorView& w = *matrices.at(i).weights;
    if (on_xnnpack(w)) bytes += init.layout.operator_region_bytes(w.cols, w.rows);
  }
  return bytes;
}

Result<Matrices*> Matrices::create(const MatrixList& matrices, std::span<std::byte> region) {
  const Initialized& init = initialized();
  if (!init.status) return Error("backend xnnpack: " + init.status.message());
  const size_t count = matrices.size();
  const size_t header = align_up(sizeof(Matrices)) + align_up(count * sizeof(Operator));
  if (region.size() < header || reinterpret_cast<uintptr_t>(region.data()) % kAlignment != 0)
    return Error("backend xnnpack: the arena region is smaller than planned or misaligned");
  auto* m = new (region.data()) Matrices();
  m->count_ = count;
  m->operators_ = new (region.data() + align_up(sizeof(Matrices))) Operator[count];
  Cursor cursor{region.data() + header, region.data() + region.size()};
  for (size_t i = 0; i < count; ++i) {
    const MatrixUse slot = matrices.at(i);
    const TensorView& w = *slot.weights;
    ++(on_xnnpack(w) ? m->coverage_.on_xnnpack : w.data ? m->coverage_.on_sprig : m->coverage_.absent);
    if (!on_xnnpack(w)) continue;
    const size_t before = cursor.allocations;
    std::byte* const start = cursor.next;
    xnn_status status;
    {
      Lend lend(cursor);
      status = xnn_create_fully_connected_nc_f32(w.cols, w.rows, slot.input_stride, slot.output_stride,
                                                 static_cast<const float*>(w.data), nullptr, -INFINITY, INFINITY, 0,
                                                 &m->operators_[i].op);
    }
    std::string problem;
    if (status != xnn_status_success)
      problem = "XNNPACK could not create the f32 operator (status " + std::to_string(int(status)) + ")";
    else if (cursor.allocations == before)
      problem = "XNNPACK allocated outside sprig's allocator (initialised elsewhere in this process?)";
    else if (size_t(cursor.next - start) > init.layout.operator_region_bytes(w.cols, w.rows))
      problem = "XNNPACK used more memory than planned";
    if (!problem.empty()) {
      destroy(m);
      return Error("backend xnnpack: matrix " + std::to_string(i) + " (" + std::to_string(w.rows) + " x " +
                   std::to_string(w.cols) + "): " + problem);
    }
    m->operators_[i].input_stride = slot.input_stride;
    m->operators_[i].output_stride = slot.output_stride;
    m->packed_bytes_ += init.layout.packed_bytes(w.cols, w.rows);
    ++m->created_;
  }
  return m;
}

Matrices::~Matrices() {
  for (size_t i = 0; i < count_; ++i)
    if (operators_[i].op) xnn_delete_operator(operators_[i].op);
}

void Matrices::destroy(Matrices* m) {
  if (m) m->~Matrices();
}

bool Matrices::multiply(size_t matrix, const float* input, size_t input_stride, float* output, size_t output_stride,
                        size_t rows, pthreadpool* pool) {
  if (matrix >= count_) return false;
  Operator* o = &operators_[matrix];
  if (!o->op || o->input_stride != input_stride || o->output_stride != output_stride) return false;
  if (o->rows != rows || o->input != input || o->output != output || o->pool != pool) {
    if (xnn_setup_fully_connected_nc_f32(o->op, rows, input, output, pool) != xnn_status_success) return false;
    *o = {o->op, o->input_stride, o->output_stride, rows, input, output, pool};
  }
  return xnn_run_operator(o->op, pool) == xnn_status_success;
}

std::string Matrices::summary() const {
  char text[256];
  std::snprintf(text, sizeof text,
                "backend xnnpack: XNNPACK multiplies %zu f32 matrices (%.2f MiB packed copy in the arena); "
                "%zu f16/quantized matrices stay on sprig's kernels",
                created_, double(packed_bytes_) / (1024.0 * 1024.0), coverage_.on_sprig);
  return text;
}

}  // namespace sprig::xnnpack
