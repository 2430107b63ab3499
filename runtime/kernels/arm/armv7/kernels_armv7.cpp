// 32-bit Raspberry Pi OS (armv7-a with NEON, Cortex-A7/A53 in AArch32): the quantized and f32
// matmuls. The armhf baseline already includes NEON (-mfpu=neon-vfpv4), so this file needs no
// flags of its own. armv7 has no FCVTNS (round to nearest even), so the activation quantization
// stays scalar; it is one pass over a vector, against a pass over a whole matrix here.
#include <arm_neon.h>

#include <cstddef>

namespace sprig::kernels {
namespace {
struct Dot {  // SMULL into int16, SADALP into int32: exact, as on armv8-a
  static int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) {
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_s8(vget_high_s8(a), vget_high_s8(b)));
  }
};
}  // namespace
}  // namespace sprig::kernels

#include "../bodies_arm.inl"

#define SPRIG_ARM_SET_SYMBOL kernel_set_armv7_neon
#define SPRIG_ARM_SET_NAME "armv7_neon"
#include "../set_arm.inl"
