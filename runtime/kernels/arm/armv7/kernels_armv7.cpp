// 32-bit Raspberry Pi OS (armv7-a with NEON, Cortex-A7/A53 in AArch32): the quantized and f32
// matmuls, int8 dots by SMULL/SADALP. The armhf baseline already includes NEON
// (-mfpu=neon-vfpv4), so this file needs no flags of its own. armv7 has no FCVTNS (round to
// nearest even), so the activation quantization stays scalar; it is one pass over a vector,
// against a pass over a whole matrix here.
#include "../dot_widening.inl"
#include "../bodies_arm.inl"

#define SPRIG_ARM_SET_SYMBOL kernel_set_armv7_neon
#define SPRIG_ARM_SET_NAME "armv7_neon"
#include "../set_arm.inl"
