// The armv8-a set (every aarch64 CPU): the quantized and f32/f16 matmuls. Attention, RMSNorm,
// softmax, RoPE and SwiGLU stay scalar: a small share of a token's time next to the matmuls.
#include "../arm_kernels.h"

namespace sprig::kernels {

extern const KernelSet kernel_set_arm_neon = {
    .name = "arm_neon",
    .quantize_activations = quantize_activations_1x16__neon,
    .matvec_q8 = matvec_q8xq8_1x32__neon,
    .matvec_q4 = matvec_q4xq8_1x32__neon,
    .matvec_q4a = matvec_q4axq8_1x32__neon,
    .matvec_f32 = matvec_f32_1x16__neon,
    .matvec_f16 = matvec_f16_1x16__neon,
    .gemm_q8 = gemm_q8xq8_1x4__neon,
    .gemm_q4 = gemm_q4xq8_1x4__neon,
    .gemm_q4a = gemm_q4axq8_1x4__neon,
    .gemm_f32 = gemm_f32_1x16__neon,
    .gemm_f16 = gemm_f16_1x16__neon,
    // Entries left out: the registry takes the scalar kernel. Attention and RMSNorm must equal the scalar
    // ones bit for bit (their sums in the reference's order), which these sets do not do yet.
};

}  // namespace sprig::kernels
