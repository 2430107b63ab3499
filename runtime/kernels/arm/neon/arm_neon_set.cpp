// The armv8-a set (every aarch64 CPU). softmax, RoPE and SwiGLU stay scalar: they are a small
// share of a token's time and their exp/sin/cos would need approximations of their own.
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
    .attention_scores_f32 = attention_scores_f32__neon,
    .attention_scores_f16 = attention_scores_f16__neon,
    .weighted_sum_f32 = weighted_sum_f32__neon,
    .weighted_sum_f16 = weighted_sum_f16__neon,
    .attention_scores_q8 = nullptr,  // no int8 KV cache yet
    .weighted_sum_q8 = nullptr,
    .softmax = nullptr,  // nullptr: the registry takes the scalar kernel
    .rmsnorm = rmsnorm_f32__neon,
    .rope_interleaved = nullptr,
    .swiglu = nullptr,
};

}  // namespace sprig::kernels
