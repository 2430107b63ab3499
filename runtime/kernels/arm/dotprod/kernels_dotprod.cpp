// The dot-product set (armv8.2-a SDOT: Cortex-A55/A76, Raspberry Pi 5, most phones): the armv8-a
// kernels with four int8 products summed into each int32 lane by one instruction. Built with
// -march=armv8.2-a+dotprod; entered only where cpuinfo reports dotprod.
#include <arm_neon.h>

#include <cstddef>

namespace sprig::kernels {
namespace {
struct Dot {
  static int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) { return vdotq_s32(acc, a, b); }
};
}  // namespace
}  // namespace sprig::kernels

#include "../bodies_arm.inl"

#define SPRIG_ARM_SET_SYMBOL kernel_set_arm_dotprod
#define SPRIG_ARM_SET_NAME "arm_dotprod"
#include "../set_arm.inl"
