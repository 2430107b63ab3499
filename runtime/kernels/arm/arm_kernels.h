// The aarch64 kernels, by set. Each is defined in its ISA's folder and compiled with that ISA's
// flags only; the set tables (one file per set) reference them, and the registry decides from
// the CPU's features which table may run.
#pragma once

#include "../kernel_set.h"

namespace sprig::kernels {

// arm/neon: armv8-a (Cortex-A53/A72: Raspberry Pi 3 and 4)
void quantize_activations_1x16__neon(const float* x, size_t n, QuantizedActivations& out);
void matvec_q8xq8_1x32__neon(const QuantizedWeights&, const QuantizedActivations&, float*, size_t, size_t);
void matvec_q4xq8_1x32__neon(const QuantizedWeights&, const QuantizedActivations&, float*, size_t, size_t);
void matvec_q4axq8_1x32__neon(const QuantizedWeights&, const QuantizedActivations&, float*, size_t, size_t);
void gemm_q8xq8_1x4__neon(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);
void gemm_q4xq8_1x4__neon(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);
void gemm_q4axq8_1x4__neon(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);
void matvec_f32_1x16__neon(const float* w, const float* x, float* y, size_t cols, size_t begin, size_t end);
void matvec_f16_1x16__neon(const uint16_t* w, const float* x, float* y, size_t cols, size_t begin, size_t end);
void gemm_f32_1x16__neon(const float* w, const float* x, size_t x_stride, size_t count, float* y, size_t y_stride,
                         size_t cols, size_t begin, size_t end);
void gemm_f16_1x16__neon(const uint16_t* w, const float* x, size_t x_stride, size_t count, float* y,
                         size_t y_stride, size_t cols, size_t begin, size_t end);

// arm/dotprod: armv8.2-a SDOT (Cortex-A55/A76: Raspberry Pi 5, most phones)
void matvec_q8xq8_1x32__dotprod(const QuantizedWeights&, const QuantizedActivations&, float*, size_t, size_t);
void matvec_q4xq8_1x32__dotprod(const QuantizedWeights&, const QuantizedActivations&, float*, size_t, size_t);
void matvec_q4axq8_1x32__dotprod(const QuantizedWeights&, const QuantizedActivations&, float*, size_t, size_t);
void gemm_q8xq8_1x4__dotprod(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);
void gemm_q4xq8_1x4__dotprod(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);
void gemm_q4axq8_1x4__dotprod(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);

// arm/i8mm: armv8.6-a SMMLA, 2 rows x 2 vectors per instruction (the batched prefill form)
void gemm_q8xq8_2x2__i8mm(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);
void gemm_q4xq8_2x2__i8mm(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);
void gemm_q4axq8_2x2__i8mm(const QuantizedWeights&, const QuantizedBatch&, float*, size_t, size_t, size_t);

}  // namespace sprig::kernels
