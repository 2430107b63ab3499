// The armv8-a set (every aarch64 CPU: Cortex-A53/A72, Raspberry Pi 3 and 4): int8 dots by
// SMULL/SADALP. Built with the baseline flags.
#include "../dot_widening.inl"
#include "../bodies_arm.inl"

#define SPRIG_ARM_SET_SYMBOL kernel_set_arm_neon
#define SPRIG_ARM_SET_NAME "arm_neon"
#include "../set_arm.inl"
