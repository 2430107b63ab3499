// The table of an x86 set, from the bodies in float_x86.inl, quantized_x86.inl, gemm_x86.inl,
// elementwise_x86.inl and attention_int8_x86.inl as compiled for that set. The including file
// defines SPRIG_X86_SET_SYMBOL and SPRIG_X86_SET_NAME.
// Tiles: decode (quantized_x86.inl) 8 rows x 1 vector; prefill (gemm_x86.inl) 16 rows x 8 tokens with
// AVX-512 VNNI, 8 x 4 with 256-bit vectors.
namespace sprig::kernels {

extern const KernelSet SPRIG_X86_SET_SYMBOL;  // const alone would make it internal
const KernelSet SPRIG_X86_SET_SYMBOL = {
    .name = SPRIG_X86_SET_NAME,
    .quantize_activations = quantize_activations_x86,
    .quantize_activations_residual = quantize_activations_residual_x86,
    .matvec_q8 = quantized_matvec<Weights::Q8>,
    .matvec_q4 = q4_matvec<Weights::Q4>,
    .matvec_q4a = q4_matvec<Weights::Q4A>,
    .matvec_f32 = float_matvec<float>,
    .matvec_f16 = float_matvec<uint16_t>,
    .gemm_q8 = SPRIG_GEMM_KERNEL(gemm_q8xq8),
    .gemm_q4 = SPRIG_GEMM_KERNEL(gemm_q4xq8),
    .gemm_q4a = SPRIG_GEMM_KERNEL(gemm_q4axq8),
    .matvec_q8_residual = q8_residual_matvec_x86,
    .gemm_q8_residual = SPRIG_GEMM_KERNEL(gemm_q8xq8x2),
    .gemm_f32 = float_gemm<float>,
    .gemm_f16 = float_gemm<uint16_t>,
    .attention_scores_f32 = attention_scores<float>,
    .attention_scores_f16 = attention_scores<uint16_t>,
    .weighted_sum_f32 = weighted_sum<float>,
    .weighted_sum_f16 = weighted_sum<uint16_t>,
    .attention_scores_int8 = attention_scores_int8_x86,
    .weighted_sum_int8 = weighted_sum_int8_x86,
    .softmax = softmax_x86,
    .kv_store_f16 = kv_store_f16_x86,
    .rmsnorm = rmsnorm_x86,
    .swiglu = swiglu_x86,
};

}  // namespace sprig::kernels
