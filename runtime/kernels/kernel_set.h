// The kernel interface: one table of function pointers per instruction set, chosen once at
// start-up from the CPU's features (cpu_features(), through cpuinfo), never from build flags, so a
// CPU never executes an instruction it lacks. The scalar set implements every entry and is the
// ground truth; every other set is tested against it (tests/test_kernel_sets.cpp) on every set
// the running CPU supports.
//
// Naming:
//   table names   scalar, x86_avx2, x86_avxvnni, x86_avx512vnni, arm_neon, arm_dotprod, arm_i8mm,
//                 armv7_neon: <arch>_<the ISA extension that sets it apart>
//   entries       <op>_<weights>[_<variant>]: matvec_q4 (decode, one activation vector), gemm_q8
//                 (prefill, a batch of them), matvec_q8_residual (two activation terms). The
//                 bodies behind an entry are shared between the sets of one architecture
//                 (x86/*.inl, arm/*.inl) and compiled once per set with its flags; their tile
//                 shapes are in each set's table file (set_x86.inl, set_arm.inl) and in the
//                 body's name where it has one (q4_matvec_rows8: 8 rows per step).
//
// Plugging in a new set (ARM, ...), three steps:
//   1. Sources in runtime/kernels/<arch>/<isa>/ (e.g. runtime/kernels/arm/dotprod/), one of which
//      defines `extern const KernelSet kernel_set_<name>` (e.g. kernel_set_arm_dotprod). Entries it
//      leaves nullptr are filled from the scalar set, so a set may start with a few kernels.
//   2. In runtime/kernels/kernels.cmake, inside the block for the target architecture:
//        sprig_kernel_set(arm_dotprod "-march=armv8.2-a+dotprod" runtime/kernels/arm/dotprod/a.cpp ...)
//      It adds the sources to sprig_runtime, gives ONLY those files the flags
//      (set_source_files_properties) and defines SPRIG_KERNEL_SET_arm_dotprod for the registry.
//   3. In runtime/kernels/kernel_registry.cpp, one line in kCandidates under
//      #ifdef SPRIG_KERNEL_SET_arm_dotprod: the table and the predicate on CpuFeatures that says the
//      CPU can run it. The registry is compiled without ISA flags, so the predicate is safe to run.
//
// Exactness (test_kernel_sets checks it): everything that decides a quantized model's output
// equals the scalar set bit for bit: quantize_activations, matvec/gemm q8/q4/q4a (and q8 with
// two-term activations), attention scores and weighted sums over every cache type, softmax,
// rmsnorm and swiglu. The integer block dots are exact anyway; the float sums must repeat
// the reference's operations in its order (x86 keeps one row per lane and sums blocks in order;
// no FMA where the reference multiplies then adds), and the files build with -ffp-contract=off.
// exp is exp_approx.h's, one template for scalars and vectors (no libm), and the softmax sum runs
// in the eight lanes reference.h defines. Then a quantized model gives the same tokens on every CPU
// and thread count. f32/f16 matvec/gemm may reassociate (tolerance: 2e-6 of the sum of absolute
// terms).
//
// RoPE is not an entry: its rotation needs the model's frequency table and runs once per token
// per layer, so the forward pass and the context shift both call family::rope (model/family_math.h).
//
// Forcing a set: the environment variable SPRIG_KERNELS=<name> (or select_kernels(name), which the
// command line's --kernels NAME calls) picks it, provided the CPU supports it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "reference.h"
#include "sprig/cpu_features.h"
#include "sprig/kernels.h"

namespace sprig::kernels {

// `count` activation vectors quantized in the same blocks, stored back to back: vector i's quants
// start at quants + i * blocks * group, its scales and sums at i * blocks. The batched (prefill)
// kernels take this; a single vector is a batch of one.
struct QuantizedBatch {
  int8_t* quants;
  float* scales;
  int32_t* sums;
  size_t blocks, group, count;

  QuantizedActivations row(size_t i) const {
    return {quants + i * blocks * group, scales + i * blocks, sums + i * blocks, blocks, group};
  }
};

// Row ranges: every matrix kernel computes output rows [row_begin, row_end) only, writing y[r]
// at its full-vector index r, so threads split a matrix by rows without copying views.
struct KernelSet {
  const char* name;  // "scalar", "x86_avx2", ...

  // --- quantized activations: exactly quantize_activations_scalar's result (bit for bit).
  void (*quantize_activations)(const float* x, size_t n, QuantizedActivations& out);
  // Two-term activations for q8 weights: exactly quantize_activations_residual_scalar's result.
  void (*quantize_activations_residual)(const float* x, size_t n, QuantizedActivations& main,
                                        QuantizedActivations& residual);

  // --- decode: matrix x one vector. w.rows/w.cols describe the whole matrix.
  void (*matvec_q8)(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t row_begin,
                    size_t row_end);
  void (*matvec_q4)(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t row_begin,
                    size_t row_end);
  void (*matvec_q4a)(const QuantizedWeights& w, const QuantizedActivations& x, float* y, size_t row_begin,
                     size_t row_end);
  // w is rows x cols row-major.
  void (*matvec_f32)(const float* w, const float* x, float* y, size_t cols, size_t row_begin, size_t row_end);
  void (*matvec_f16)(const uint16_t* w, const float* x, float* y, size_t cols, size_t row_begin, size_t row_end);

  // --- prefill: matrix x x.count vectors. Output of vector i, row r at y[i * y_stride + r].
  void (*gemm_q8)(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t row_begin,
                  size_t row_end);
  void (*gemm_q4)(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride, size_t row_begin,
                  size_t row_end);
  void (*gemm_q4a)(const QuantizedWeights& w, const QuantizedBatch& x, float* y, size_t y_stride,
                   size_t row_begin, size_t row_end);
  // q8 weights take two-term activations (reference.h: quantize_activations_residual_scalar):
  // `residual` holds the second int8 term of the same vectors, laid out like `x`.
  void (*matvec_q8_residual)(const QuantizedWeights& w, const QuantizedActivations& x,
                             const QuantizedActivations& residual, float* y, size_t row_begin, size_t row_end);
  void (*gemm_q8_residual)(const QuantizedWeights& w, const QuantizedBatch& x, const QuantizedBatch& residual,
                           float* y, size_t y_stride, size_t row_begin, size_t row_end);
  // Input vector i at x[i * x_stride], count of them.
  void (*gemm_f32)(const float* w, const float* x, size_t x_stride, size_t count, float* y, size_t y_stride,
                   size_t cols, size_t row_begin, size_t row_end);
  void (*gemm_f16)(const uint16_t* w, const float* x, size_t x_stride, size_t count, float* y, size_t y_stride,
                   size_t cols, size_t row_begin, size_t row_end);

  // --- attention over one head's cache: key/value row t at keys + t * stride (head_dim used).
  // scores[t] = scale * q . key_t for t < count
  void (*attention_scores_f32)(const float* q, const float* keys, size_t stride, size_t count, size_t head_dim,
                               float scale, float* scores);
  void (*attention_scores_f16)(const float* q, const uint16_t* keys, size_t stride, size_t count, size_t head_dim,
                               float scale, float* scores);
  // out[d] = sum_t weights[t] * value_t[d] for d < head_dim
  void (*weighted_sum_f32)(const float* weights, const float* values, size_t stride, size_t count,
                           size_t head_dim, float* out);
  void (*weighted_sum_f16)(const float* weights, const uint16_t* values, size_t stride, size_t count,
                           size_t head_dim, float* out);
  // int8 cache (attention.h): one f32 scale per position per kv head, row t's at
  // scales[t * scale_stride].
  void (*attention_scores_int8)(const float* q, const int8_t* keys, size_t stride, const float* key_scales,
                                size_t scale_stride, size_t count, size_t head_dim, float scale, float* scores);
  void (*weighted_sum_int8)(const float* weights, const int8_t* values, size_t stride, const float* value_scales,
                            size_t scale_stride, size_t count, size_t head_dim, float* out);
  void (*softmax)(float* x, size_t n);
  // One f16 cache row: exactly kv_store_f16_scalar's bits.
  void (*kv_store_f16)(const float* x, uint16_t* out, size_t n);

  // --- elementwise, same semantics as the *_scalar functions in reference.h.
  void (*rmsnorm)(const float* x, const float* weight, float* y, size_t n, float eps);
  void (*swiglu)(float* gate, const float* up, size_t n);
};

// Every set compiled into this binary, the scalar one first (whether or not the CPU runs them).
std::vector<const KernelSet*> compiled_kernel_sets();
// The sets this CPU can run, scalar first, best last. Tests check each against scalar.
std::vector<const KernelSet*> supported_kernel_sets();
// The set in use: SPRIG_KERNELS if set (an unknown or unsupported name is reported on stderr once
// and ignored), else the best supported set. Chosen on the first call; cheap afterwards.
const KernelSet& active_kernels();
// select_kernels(name) and the names for messages: sprig/kernels.h.
// "scalar x86_avx2 ..." for messages.
std::string describe_kernel_sets(const std::vector<const KernelSet*>& sets);

extern const KernelSet kernel_set_scalar;

}  // namespace sprig::kernels
