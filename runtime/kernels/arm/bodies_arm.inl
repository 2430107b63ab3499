// Every kernel body of an ARM set, for the set's file to include after its `struct Dot`
// (dot_widening.inl or dot_sdot.inl; see quantized_arm.inl), then set_arm.inl for its table.
#include <arm_neon.h>

#include "../exp_approx.h"
#include "../kernel_set.h"
#include "sprig/half.h"

#include "quantized_arm.inl"
#include "float_arm.inl"
#if defined(__aarch64__)
#include "attention_arm.inl"
#include "elementwise_arm.inl"
#endif
