// XNNPACK as a matmul backend of the session (SessionOptions::backend = MatmulBackend::Xnnpack).
//
// What it takes: every f32 matrix of the model (attention, feed-forward, output head), through
// XNNPACK's f32 fully-connected operator, for prefill (M > 1) and decode (M = 1). That operator
// computes what sprig's f32 kernels compute up to summation order. f16 and quantized matrices stay
// on sprig's kernels: Debian's XNNPACK (a 2022 snapshot) has no dynamic per-block activation
// quantization and no int4, so its int8 operators cannot reproduce sprig's quantized numbers, and
// widening f16 weights into an f32 packed copy doubles the bytes a memory-bound decode reads
// (docs/xnnpack.md).
//
// Memory: the operators are created once, when the session is created, and every byte XNNPACK
// allocates (the operator objects and their private packed copies of the weights) comes from the
// session's Xnnpack arena region, which plan_session_memory sizes exactly: the packed layout of
// this XNNPACK build is learned once per process from small probe operators built in a static
// buffer. Setup and run allocate nothing; an allocation outside session creation stops the
// process with a message, because it would break the arena's promise silently otherwise.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "backends/matmul_offload.h"
#include "sprig/model.h"
#include "sprig/status.h"

struct pthreadpool;
struct xnn_operator;

namespace sprig::xnnpack {

// Installs sprig's allocator in XNNPACK (once per process) and learns its packed-weight layout;
// an error (with its reason) when this process cannot use the backend.
Status initialize();

// How the listed matrices divide between the backends.
struct Coverage {
  size_t on_xnnpack = 0;  // f32 matrices
  size_t on_sprig = 0;    // f16 and quantized matrices
  size_t absent = 0;      // matrices this family does not have (GPT-2's gate)
};
Coverage coverage(const MatrixList& matrices);

// The bytes of the Xnnpack arena region for these matrices.
Result<size_t> region_bytes(const MatrixList& matrices);

// The operators of one session, placed at the start of its Xnnpack region; operator i is for
// matrix i of the list it was created from, with that matrix's strides.
class Matrices final : public MatmulOffload {
 public:
  // Creates an operator for every f32 matrix, packing its weights into `region` (which must be
  // region_bytes(matrices) long and 64-byte aligned).
  static Result<Matrices*> create(const MatrixList& matrices, std::span<std::byte> region);
  // Deletes the operators; the memory stays the arena's.
  static void destroy(Matrices* matrices);
  ~Matrices() override;

  // Re-runs XNNPACK's setup only when rows, pointers or pool differ from the last call's.
  bool multiply(size_t matrix, const float* input, size_t input_stride, float* output, size_t output_stride,
                size_t rows, pthreadpool* pool) override;
  std::string summary() const override;

  size_t operators() const { return created_; }
  size_t packed_bytes() const { return packed_bytes_; }

  // One slot's operator (nullptr when the matrix stays on sprig's kernels); public for sizing.
  struct Operator {
    xnn_operator* op = nullptr;
    size_t input_stride = 0, output_stride = 0;
    // What the last setup was for.
    size_t rows = 0;
    const float* input = nullptr;
    float* output = nullptr;
    pthreadpool* pool = nullptr;
  };

 private:
  Matrices() = default;

  Operator* operators_ = nullptr;  // one per listed matrix
  size_t count_ = 0, created_ = 0, packed_bytes_ = 0;
  Coverage coverage_;
};

}  // namespace sprig::xnnpack
