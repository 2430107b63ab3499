// The AVX2+FMA+F16C set: integer block dots with maddubs+madd, 256-bit float kernels.
// Built with -mavx2 -mfma -mf16c (kernels.cmake); entered only when the CPU has all three.
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
  // maddubs saturates on 255 * 127 pairs: q8 weights keep the sign trick (matvec_q8_residual_x86.inl)
  static constexpr bool kWideUnsigned = false;
  static __m256i dpbusd(__m256i acc, __m256i u8, __m256i s8) {
    const __m256i pairs = _mm256_maddubs_epi16(u8, s8);  // exact: see quantized_x86.inl
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
  }
  // Two blocks of nibbles (u8 at most 15) against int8: the int16 pair sums of both maddubs add
  // without saturating (4 * 15 * 127 < 32767), so one madd widens them.
  static __m256i nibble_dot2(__m256i acc, __m256i u0, __m256i s0, __m256i u1, __m256i s1) {
    const __m256i pairs = _mm256_add_epi16(_mm256_maddubs_epi16(u0, s0), _mm256_maddubs_epi16(u1, s1));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
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

#define SPRIG_X86_SET_SYMBOL kernel_set_x86_avx2
#define SPRIG_X86_SET_NAME "x86_avx2"
#include "../set_x86.inl"
