// What the processor can do, asked once (through cpuinfo): kernels are chosen from this, never
// from build flags, so a CPU never executes an instruction it lacks.
#pragma once

#include <cstdint>
#include <string>

namespace sprig {

struct CpuFeatures {
  std::string name;
  uint32_t cores = 0;
  bool x86_avx2 = false, x86_fma = false, x86_f16c = false, x86_avx512f = false, x86_avx512vnni = false;
  bool arm_neon = false, arm_dotprod = false;

  std::string describe() const;  // e.g. "Intel Xeon, 2 cores, simd: avx2 fma f16c"
};

const CpuFeatures& cpu_features();

}  // namespace sprig
