// The int8 dot of the sets without SDOT (armv8-a and armv7 NEON): products widened to int16 by
// SMULL, pairwise added into int32 by SADALP. Every product fits int16 (|w|, |x| <= 128), so the
// block dots are exact, as the scalar ones are. (On aarch64 the high half compiles to SMULL2.)
// For quantized_arm.inl: include before bodies_arm.inl.
#include <arm_neon.h>

namespace sprig::kernels {
namespace {
struct Dot {
  static int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) {
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_s8(vget_high_s8(a), vget_high_s8(b)));
  }
};
}  // namespace
}  // namespace sprig::kernels
