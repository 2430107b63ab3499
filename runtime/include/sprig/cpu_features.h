// What the processor can do, asked once (through cpuinfo): kernels are chosen from this, never
// from build flags, so a CPU never executes an instruction it lacks.
#pragma once

#include <cstdint>
#include <string>

namespace sprig {

struct CpuFeatures {
  std::string name;
  uint32_t cores = 0;
  // Cores outside the slowest cluster when clusters differ in frequency (big.LITTLE), else all:
  // the default thread count, since waiting for a little core slows every parallel region.
  uint32_t performance_cores = 0;
  bool x86_avx2 = false, x86_fma = false, x86_f16c = false, x86_avx512f = false, x86_avx512vnni = false;
  bool x86_avx512bw = false, x86_avx512vl = false, x86_avxvnni = false;
  bool arm_neon = false, arm_dotprod = false, arm_i8mm = false;

  std::string describe() const;  // e.g. "Intel Xeon, 2 cores, simd: avx2 fma f16c"
};

const CpuFeatures& cpu_features();

}  // namespace sprig
