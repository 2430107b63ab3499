// The AVX-VNNI set (Alder Lake and later): the AVX2 set with vpdpbusd (VEX) for the block dots,
// one instruction where AVX2 needs maddubs+madd+add. Built with -mavx2 -mfma -mf16c -mavxvnni.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "../../int8_range.h"

#include "../../exp_approx.h"
#include "../../kernel_set.h"
#include "sprig/half.h"

namespace {
struct Dot {
  // dpbusd takes u8 up to 255 without saturating (matvec_q8_residual_x86.inl)
  static constexpr bool kWideUnsigned = true;
  static __m256i dpbusd(__m256i acc, __m256i u8, __m256i s8) { return _mm256_dpbusd_avx_epi32(acc, u8, s8); }
  static __m256i nibble_dot2(__m256i acc, __m256i u0, __m256i s0, __m256i u1, __m256i s1) {
    return _mm256_dpbusd_avx_epi32(_mm256_dpbusd_avx_epi32(acc, u0, s0), u1, s1);
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

#define SPRIG_X86_SET_SYMBOL kernel_set_x86_avxvnni
#define SPRIG_X86_SET_NAME "x86_avxvnni"
#include "../set_x86.inl"
