// The AVX-512-VNNI set (Cascade Lake, Ice Lake, Zen 4 and later): vpdpbusd (EVEX) on 256-bit
// vectors for the block dots. Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni (+avx2/fma/f16c).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "../../int8_range.h"
#include <type_traits>

#include "../../exp_approx.h"
#include "../../kernel_set.h"
#include "sprig/half.h"

namespace {
struct Dot {
  // dpbusd takes u8 up to 255 without saturating (matvec_q8_residual_x86.inl)
  static constexpr bool kWideUnsigned = true;
  static __m256i dpbusd(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_epi32(acc, u8, s8); }
  static __m256i nibble_dot2(__m256i acc, __m256i u0, __m256i s0, __m256i u1, __m256i s1) {
    return _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(acc, u0, s0), u1, s1);
  }
};
}  // namespace

#include "../prefetch_x86.inl"
#include "../float_x86.inl"
#include "../quantized_x86.inl"
#include "../matvec_q4_x86.inl"
#include "../matvec_q8_residual_x86.inl"
#include "../elementwise_x86.inl"
#include "../attention_int8_x86.inl"
#include "../gemm_x86.inl"

#define SPRIG_X86_SET_SYMBOL kernel_set_x86_avx512vnni
#define SPRIG_X86_SET_NAME "x86_avx512vnni"
#include "../set_x86.inl"
