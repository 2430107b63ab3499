#include "sprig/cpu_features.h"

#include <cpuinfo.h>

namespace sprig {
namespace {

CpuFeatures detect() {
  CpuFeatures f;
  if (!cpuinfo_initialize()) return f;
  if (cpuinfo_get_packages_count() > 0) f.name = cpuinfo_get_package(0)->name;
  f.cores = cpuinfo_get_cores_count();
  f.x86_avx2 = cpuinfo_has_x86_avx2();
  f.x86_fma = cpuinfo_has_x86_fma3();
  f.x86_f16c = cpuinfo_has_x86_f16c();
  f.x86_avx512f = cpuinfo_has_x86_avx512f();
  f.x86_avx512vnni = cpuinfo_has_x86_avx512vnni();
  f.arm_neon = cpuinfo_has_arm_neon();
  f.arm_dotprod = cpuinfo_has_arm_neon_dot();
  return f;
}

}  // namespace

std::string CpuFeatures::describe() const {
  std::string simd;
  auto add = [&simd](bool present, const char* feature) {
    if (present) simd += std::string(simd.empty() ? "" : " ") + feature;
  };
  add(x86_avx2, "avx2");
  add(x86_fma, "fma");
  add(x86_f16c, "f16c");
  add(x86_avx512f, "avx512f");
  add(x86_avx512vnni, "avx512vnni");
  add(arm_neon, "neon");
  add(arm_dotprod, "dotprod");
  return (name.empty() ? std::string("unknown cpu") : name) + ", " + std::to_string(cores) + " cores, simd: " +
         (simd.empty() ? "none" : simd);
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace sprig
