// The attention and elementwise kernels of every kernel set this CPU runs, timed on the
// Llama-3.2-1B shapes against the scalar set (a section of sprig-bench-kernels).
#pragma once

namespace sprig::bench {

void print_elementwise_kernels(bool quick);

}  // namespace sprig::bench
