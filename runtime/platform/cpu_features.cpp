#include "sprig/cpu_features.h"

#include <cpuinfo.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace sprig {
namespace {

// This cpuinfo (Debian's 2022 snapshot) predates AVX-VNNI and i8mm, so those are asked directly.
bool has_avxvnni() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return false;
  return (eax >> 4) & 1;  // CPUID.(EAX=7,ECX=1):EAX[4]; the OS saving YMM is part of cpuinfo's avx2
#else
  return false;
#endif
}

bool has_i8mm() {
#if defined(__aarch64__) && defined(__linux__)
  return (getauxval(AT_HWCAP2) >> 13) & 1;  // HWCAP2_I8MM
#else
  return false;
#endif
}

uint32_t count_performance_cores() {
  const uint32_t cores = cpuinfo_get_cores_count();
  uint64_t slowest = UINT64_MAX, fastest = 0;
  for (uint32_t i = 0; i < cores; ++i) {
    const uint64_t frequency = cpuinfo_get_core(i)->frequency;
    slowest = frequency < slowest ? frequency : slowest;
    fastest = frequency > fastest ? frequency : fastest;
  }
  if (cores == 0 || slowest == fastest) return cores;
  uint32_t count = 0;
  for (uint32_t i = 0; i < cores; ++i) count += cpuinfo_get_core(i)->frequency > slowest;
  return count;
}

CpuFeatures detect() {
  CpuFeatures f;
  if (!cpuinfo_initialize()) return f;
  if (cpuinfo_get_packages_count() > 0) f.name = cpuinfo_get_package(0)->name;
  f.cores = cpuinfo_get_cores_count();
  f.performance_cores = count_performance_cores();
  f.x86_avx2 = cpuinfo_has_x86_avx2();
  f.x86_fma = cpuinfo_has_x86_fma3();
  f.x86_f16c = cpuinfo_has_x86_f16c();
  f.x86_avx512f = cpuinfo_has_x86_avx512f();
  f.x86_avx512vnni = cpuinfo_has_x86_avx512vnni();
  f.x86_avx512bw = cpuinfo_has_x86_avx512bw();
  f.x86_avx512vl = cpuinfo_has_x86_avx512vl();
  f.x86_avxvnni = f.x86_avx2 && has_avxvnni();
  f.arm_neon = cpuinfo_has_arm_neon();
  f.arm_dotprod = cpuinfo_has_arm_neon_dot();
  f.arm_i8mm = f.arm_dotprod && has_i8mm();
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
  add(x86_avx512bw, "avx512bw");
  add(x86_avx512vnni, "avx512vnni");
  add(x86_avxvnni, "avxvnni");
  add(arm_neon, "neon");
  add(arm_dotprod, "dotprod");
  add(arm_i8mm, "i8mm");
  return (name.empty() ? std::string("unknown cpu") : name) + ", " + std::to_string(cores) + " cores, simd: " +
         (simd.empty() ? "none" : simd);
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

}  // namespace sprig
