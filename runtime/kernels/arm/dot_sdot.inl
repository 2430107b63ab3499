// The int8 dot of the dotprod and i8mm sets (armv8.2-a SDOT): four int8 products summed into each
// int32 lane by one instruction. For quantized_arm.inl: include before bodies_arm.inl, in a file
// built with +dotprod.
#include <arm_neon.h>

namespace sprig::kernels {
namespace {
struct Dot {
  static int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) { return vdotq_s32(acc, a, b); }
};
}  // namespace
}  // namespace sprig::kernels
