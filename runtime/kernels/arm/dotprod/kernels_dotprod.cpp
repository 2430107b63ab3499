// The dot-product set (armv8.2-a SDOT: Cortex-A55/A76, Raspberry Pi 5, most phones): the armv8-a
// kernels with SDOT for the int8 dots. Built with -march=armv8.2-a+dotprod; entered only where
// cpuinfo reports dotprod.
#include "../dot_sdot.inl"
#include "../bodies_arm.inl"

#define SPRIG_ARM_SET_SYMBOL kernel_set_arm_dotprod
#define SPRIG_ARM_SET_NAME "arm_dotprod"
#include "../set_arm.inl"
