// The armv8-a set (every aarch64 CPU: Cortex-A53/A72, Raspberry Pi 3 and 4): int8 products
// widened to int16 by SMULL, pairwise added into int32 by SADALP. Every product fits int16
// (|w|, |x| <= 128), so the block dots are exact, as the scalar ones are. Built with the baseline
// flags.
#include <arm_neon.h>

#include <cstddef>

namespace sprig::kernels {
namespace {
struct Dot {
  static int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) {
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_high_s8(a, b));
  }
};
}  // namespace
}  // namespace sprig::kernels

#include "../bodies_arm.inl"

#define SPRIG_ARM_SET_SYMBOL kernel_set_arm_neon
#define SPRIG_ARM_SET_NAME "arm_neon"
#include "../set_arm.inl"
