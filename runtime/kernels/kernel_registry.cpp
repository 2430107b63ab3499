// Which kernel sets this binary holds, which of them the CPU can run, and the one in use.
// Compiled WITHOUT ISA flags: the predicates below run before any SIMD code may.
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "kernel_set.h"

namespace sprig::kernels {

#ifdef SPRIG_KERNEL_SET_x86_avx2
extern const KernelSet kernel_set_x86_avx2;
#endif
#ifdef SPRIG_KERNEL_SET_x86_avxvnni
extern const KernelSet kernel_set_x86_avxvnni;
#endif
#ifdef SPRIG_KERNEL_SET_x86_avx512vnni
extern const KernelSet kernel_set_x86_avx512vnni;
#endif
#ifdef SPRIG_KERNEL_SET_arm_neon
extern const KernelSet kernel_set_arm_neon;
#endif
#ifdef SPRIG_KERNEL_SET_arm_dotprod
extern const KernelSet kernel_set_arm_dotprod;
#endif
#ifdef SPRIG_KERNEL_SET_arm_i8mm
extern const KernelSet kernel_set_arm_i8mm;
#endif
#ifdef SPRIG_KERNEL_SET_armv7_neon
extern const KernelSet kernel_set_armv7_neon;
#endif

namespace {

struct Candidate {
  const KernelSet* set;
  bool (*runs_on)(const CpuFeatures& cpu);
};

[[maybe_unused]] bool avx2_fma_f16c(const CpuFeatures& c) { return c.x86_avx2 && c.x86_fma && c.x86_f16c; }
[[maybe_unused]] bool avx512_bw_vl(const CpuFeatures& c) {
  return avx2_fma_f16c(c) && c.x86_avx512f && c.x86_avx512bw && c.x86_avx512vl;
}

// Worst to best: selection takes the last supported one.
const Candidate kCandidates[] = {
    {&kernel_set_scalar, [](const CpuFeatures&) { return true; }},
#ifdef SPRIG_KERNEL_SET_x86_avx2
    {&kernel_set_x86_avx2, avx2_fma_f16c},
#endif
#ifdef SPRIG_KERNEL_SET_x86_avxvnni
    {&kernel_set_x86_avxvnni, [](const CpuFeatures& c) { return avx2_fma_f16c(c) && c.x86_avxvnni; }},
#endif
#ifdef SPRIG_KERNEL_SET_x86_avx512vnni
    {&kernel_set_x86_avx512vnni, [](const CpuFeatures& c) { return avx512_bw_vl(c) && c.x86_avx512vnni; }},
#endif
#ifdef SPRIG_KERNEL_SET_armv7_neon
    {&kernel_set_armv7_neon, [](const CpuFeatures& c) { return c.arm_neon; }},
#endif
#ifdef SPRIG_KERNEL_SET_arm_neon
    {&kernel_set_arm_neon, [](const CpuFeatures& c) { return c.arm_neon; }},
#endif
#ifdef SPRIG_KERNEL_SET_arm_dotprod
    {&kernel_set_arm_dotprod, [](const CpuFeatures& c) { return c.arm_dotprod; }},
#endif
#ifdef SPRIG_KERNEL_SET_arm_i8mm
    {&kernel_set_arm_i8mm, [](const CpuFeatures& c) { return c.arm_i8mm; }},
#endif
};

// A set's missing entries taken from scalar, so partial sets work.
KernelSet completed(const KernelSet& set) {
  KernelSet full = set;
  const KernelSet& s = kernel_set_scalar;
  auto fill = [](auto& entry, auto fallback) {
    if (!entry) entry = fallback;
  };
  fill(full.quantize_activations, s.quantize_activations);
  fill(full.quantize_activations_residual, s.quantize_activations_residual);
  fill(full.matvec_q8, s.matvec_q8);
  fill(full.matvec_q4, s.matvec_q4);
  fill(full.matvec_q4a, s.matvec_q4a);
  fill(full.matvec_f32, s.matvec_f32);
  fill(full.matvec_f16, s.matvec_f16);
  fill(full.gemm_q8, s.gemm_q8);
  fill(full.gemm_q4, s.gemm_q4);
  fill(full.gemm_q4a, s.gemm_q4a);
  fill(full.matvec_q8_residual, s.matvec_q8_residual);
  fill(full.gemm_q8_residual, s.gemm_q8_residual);
  fill(full.gemm_f32, s.gemm_f32);
  fill(full.gemm_f16, s.gemm_f16);
  fill(full.attention_scores_f32, s.attention_scores_f32);
  fill(full.attention_scores_f16, s.attention_scores_f16);
  fill(full.weighted_sum_f32, s.weighted_sum_f32);
  fill(full.weighted_sum_f16, s.weighted_sum_f16);
  fill(full.attention_scores_int8, s.attention_scores_int8);
  fill(full.weighted_sum_int8, s.weighted_sum_int8);
  fill(full.softmax, s.softmax);
  fill(full.kv_store_f16, s.kv_store_f16);
  fill(full.rmsnorm, s.rmsnorm);
  fill(full.swiglu, s.swiglu);
  return full;
}

constexpr size_t kCandidateCount = sizeof(kCandidates) / sizeof(kCandidates[0]);

struct Registry {
  KernelSet completed_sets[kCandidateCount];
  bool supported[kCandidateCount];
  const KernelSet* active = nullptr;

  Registry() {
    const CpuFeatures& cpu = cpu_features();
    for (size_t i = 0; i < kCandidateCount; ++i) {
      completed_sets[i] = completed(*kCandidates[i].set);
      supported[i] = kCandidates[i].runs_on(cpu);
      if (supported[i]) active = &completed_sets[i];
    }
    if (const char* forced = std::getenv("SPRIG_KERNELS"); forced && *forced) {
      const KernelSet* chosen = find(forced);
      if (chosen)
        active = chosen;
      else
        std::fprintf(stderr, "sprig: SPRIG_KERNELS=%s is not a kernel set this CPU runs (it runs: %s); using %s\n",
                     forced, describe_kernel_sets(supported_sets()).c_str(), active->name);
    }
  }

  const KernelSet* find(std::string_view name) const {
    for (size_t i = 0; i < kCandidateCount; ++i)
      if (supported[i] && name == completed_sets[i].name) return &completed_sets[i];
    return nullptr;
  }

  std::vector<const KernelSet*> supported_sets() const {
    std::vector<const KernelSet*> sets;
    for (size_t i = 0; i < kCandidateCount; ++i)
      if (supported[i]) sets.push_back(&completed_sets[i]);
    return sets;
  }
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

std::vector<const KernelSet*> compiled_kernel_sets() {
  std::vector<const KernelSet*> sets;
  for (const Candidate& c : kCandidates) sets.push_back(c.set);
  return sets;
}

std::vector<const KernelSet*> supported_kernel_sets() { return registry().supported_sets(); }

const KernelSet& active_kernels() { return *registry().active; }

bool select_kernels(std::string_view name) {
  const KernelSet* chosen = registry().find(name);
  if (!chosen) return false;
  registry().active = chosen;
  return true;
}

const char* active_kernel_set_name() { return active_kernels().name; }

std::string describe_supported_kernel_sets() { return describe_kernel_sets(supported_kernel_sets()); }

std::string describe_kernel_sets(const std::vector<const KernelSet*>& sets) {
  std::string text;
  for (const KernelSet* set : sets) text += std::string(text.empty() ? "" : " ") + set->name;
  return text;
}

}  // namespace sprig::kernels
