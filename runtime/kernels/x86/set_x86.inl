// The table of an x86 set, from the bodies in float_x86.inl and quantized_x86.inl as compiled
// for that set. The including file defines SPRIG_X86_SET_SYMBOL and SPRIG_X86_SET_NAME.
// Tiles: decode 4 rows x 1 vector, prefill 2 rows x 4 vectors, per 32-column step.
namespace sprig::kernels {

extern const KernelSet SPRIG_X86_SET_SYMBOL;  // const alone would make it internal
const KernelSet SPRIG_X86_SET_SYMBOL = {
    .name = SPRIG_X86_SET_NAME,
    .quantize_activations = quantize_activations_x86,
    .matvec_q8 = quantized_matvec<Weights::Q8>,
    .matvec_q4 = q4_matvec<Weights::Q4>,
    .matvec_q4a = q4_matvec<Weights::Q4A>,
    .matvec_f32 = float_matvec<float>,
    .matvec_f16 = float_matvec<uint16_t>,
    .gemm_q8 = quantized_gemm<Weights::Q8>,
    .gemm_q4 = quantized_gemm<Weights::Q4>,
    .gemm_q4a = quantized_gemm<Weights::Q4A>,
    .matvec_q8_residual = q8_residual_matvec_x86,
    .gemm_q8_residual = q8_residual_gemm,
    .gemm_f32 = float_gemm<float>,
    .gemm_f16 = float_gemm<uint16_t>,
    .attention_scores_f32 = attention_scores<float>,
    .attention_scores_f16 = attention_scores<uint16_t>,
    .weighted_sum_f32 = weighted_sum<float>,
    .weighted_sum_f16 = weighted_sum<uint16_t>,
    .attention_scores_int8 = nullptr,  // scalar until measured to matter
    .weighted_sum_int8 = nullptr,
    .softmax = nullptr,  // exp-bound and small: scalar
    .rmsnorm = rmsnorm_x86,
    .rope_interleaved = nullptr,  // sin/cos per pair: scalar
    .swiglu = nullptr,
};

}  // namespace sprig::kernels
