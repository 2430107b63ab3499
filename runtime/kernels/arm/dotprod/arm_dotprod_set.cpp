// The dot-product set: the armv8-a kernels with the int8 dot products replaced by SDOT ones.
#include "../arm_kernels.h"

namespace sprig::kernels {

extern const KernelSet kernel_set_arm_dotprod = {
    .name = "arm_dotprod",
    .quantize_activations = quantize_activations_1x16__neon,
    .matvec_q8 = matvec_q8xq8_1x32__dotprod,
    .matvec_q4 = matvec_q4xq8_1x32__dotprod,
    .matvec_q4a = matvec_q4axq8_1x32__dotprod,
    .matvec_f32 = matvec_f32_1x16__neon,
    .matvec_f16 = matvec_f16_1x16__neon,
    .gemm_q8 = gemm_q8xq8_1x4__dotprod,
    .gemm_q4 = gemm_q4xq8_1x4__dotprod,
    .gemm_q4a = gemm_q4axq8_1x4__dotprod,
    .gemm_f32 = gemm_f32_1x16__neon,
    .gemm_f16 = gemm_f16_1x16__neon,
    // Entries left out: the registry takes the scalar kernel. Attention and RMSNorm must equal the scalar
    // ones bit for bit (their sums in the reference's order), which these sets do not do yet.
};

}  // namespace sprig::kernels
