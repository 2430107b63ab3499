// Which kernel set runs the token path, for the command line and the benchmarks: the sets
// themselves (tables of function pointers, one per instruction set) are the runtime's own
// (runtime/kernels/kernel_set.h).
#pragma once

#include <string>
#include <string_view>

namespace sprig::kernels {

// The name of the set in use ("scalar", "x86_avx2", "arm_dotprod", ...).
const char* active_kernel_set_name();
// Forces a set by name; false (and the active set unchanged) if unknown or unsupported here.
// Not for use while another thread computes.
bool select_kernels(std::string_view name);
// "scalar x86_avx2 ..." for the sets this CPU can run, for messages.
std::string describe_supported_kernel_sets();

}  // namespace sprig::kernels
