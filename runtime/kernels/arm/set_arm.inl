// The table of an ARM set, from the bodies in quantized_arm.inl, float_arm.inl and (aarch64)
// attention_arm.inl and elementwise_arm.inl as compiled for that set. The including file defines
// SPRIG_ARM_SET_SYMBOL and SPRIG_ARM_SET_NAME, and may define SPRIG_ARM_GEMM and
// SPRIG_ARM_GEMM_Q8_RESIDUAL to its own batched kernels (arm_i8mm does). Entries left out are
// filled from the scalar set by the registry.
#ifndef SPRIG_ARM_GEMM
#define SPRIG_ARM_GEMM quantized_gemm
#endif
#ifndef SPRIG_ARM_GEMM_Q8_RESIDUAL
#define SPRIG_ARM_GEMM_Q8_RESIDUAL q8_residual_gemm
#endif

namespace sprig::kernels {

extern const KernelSet SPRIG_ARM_SET_SYMBOL;  // const alone would make it internal
const KernelSet SPRIG_ARM_SET_SYMBOL = {
    .name = SPRIG_ARM_SET_NAME,
#if defined(__aarch64__)
    .quantize_activations = quantize_activations_neon,
    .quantize_activations_residual = quantize_activations_residual_neon,
#else
    .quantize_activations = nullptr,
    .quantize_activations_residual = nullptr,
#endif
    .matvec_q8 = quantized_matvec<Weights::Q8>,
    .matvec_q4 = quantized_matvec<Weights::Q4>,
    .matvec_q4a = quantized_matvec<Weights::Q4A>,
    .matvec_f32 = float_matvec<float>,
#if defined(__aarch64__)
    .matvec_f16 = float_matvec<uint16_t>,
#else
    .matvec_f16 = nullptr,
#endif
    .gemm_q8 = SPRIG_ARM_GEMM<Weights::Q8>,
    .gemm_q4 = SPRIG_ARM_GEMM<Weights::Q4>,
    .gemm_q4a = SPRIG_ARM_GEMM<Weights::Q4A>,
    .matvec_q8_residual = q8_residual_matvec,
    .gemm_q8_residual = SPRIG_ARM_GEMM_Q8_RESIDUAL,
    .gemm_f32 = float_gemm<float>,
#if defined(__aarch64__)
    .gemm_f16 = float_gemm<uint16_t>,
    .attention_scores_f32 = attention_scores<float>,
    .attention_scores_f16 = attention_scores<uint16_t>,
    .weighted_sum_f32 = weighted_sum<float>,
    .weighted_sum_f16 = weighted_sum<uint16_t>,
    .attention_scores_int8 = attention_scores_int8,
    .weighted_sum_int8 = weighted_sum_int8,
    .softmax = softmax_neon,
    .kv_store_f16 = kv_store_f16_neon,
    .rmsnorm = rmsnorm_neon,
    .swiglu = swiglu_neon,
#else
    // armv7 keeps the scalar float kernels beyond the matmuls (nullptr: the registry fills them
    // in): its NEON flushes denormals to zero where the scalar VFP code does not, so a NEON float
    // kernel cannot promise the reference's bits. (f16 too: the armhf baseline has no FCVTL.)
    .gemm_f16 = nullptr, .attention_scores_f32 = nullptr, .attention_scores_f16 = nullptr,
    .weighted_sum_f32 = nullptr, .weighted_sum_f16 = nullptr, .attention_scores_int8 = nullptr,
    .weighted_sum_int8 = nullptr, .softmax = nullptr, .kv_store_f16 = nullptr, .rmsnorm = nullptr,
    .swiglu = nullptr,
#endif
};

}  // namespace sprig::kernels
