// Which kernel set this CPU selects. Under qemu the test runs once per emulated CPU model with
// SPRIG_EXPECT_KERNELS naming the best set that model must get (scripts/test_arm.sh): a Cortex-A72
// must not even list the dotprod or i8mm sets as runnable, so their instructions are never entered
// (the suites on that CPU would die with SIGILL if they were), while qemu's `max` runs them all.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "kernels/kernel_set.h"

using namespace sprig;
using namespace sprig::kernels;

TEST_CASE("the CPU selects the kernel set expected for it, and lists no better one as runnable") {
  const char* expected_env = std::getenv("SPRIG_EXPECT_KERNELS");
  const std::string expected = expected_env ? expected_env : "";
  const auto compiled = compiled_kernel_sets(), supported = supported_kernel_sets();
  MESSAGE("cpu: " << cpu_features().describe() << "; compiled: " << describe_kernel_sets(compiled)
                  << "; runnable: " << describe_kernel_sets(supported) << "; active: " << std::string(active_kernels().name));
  if (expected.empty()) {
    MESSAGE("NOTICE: SPRIG_EXPECT_KERNELS not set: only the listing was checked");
    CHECK(std::string(supported.front()->name) == "scalar");
    return;
  }
  if (const char* forced = std::getenv("SPRIG_KERNELS"); forced && *forced) {
    MESSAGE("NOTICE: SPRIG_KERNELS is set: the active set is not checked");
  } else {
    CHECK(std::string(active_kernels().name) == expected);
  }
  // Compiled sets run worst to best; this CPU runs exactly those up to the expected one.
  size_t expected_index = compiled.size();
  for (size_t i = 0; i < compiled.size(); ++i)
    if (compiled[i]->name == expected) expected_index = i;
  REQUIRE_MESSAGE(expected_index < compiled.size(), "the set " << expected << " is not compiled into this binary");
  REQUIRE(supported.size() == expected_index + 1);
  for (size_t i = 0; i <= expected_index; ++i) CHECK(std::string(supported[i]->name) == compiled[i]->name);
  // Nor can a better set be forced (SPRIG_KERNELS, --kernels): select_kernels refuses it.
  const std::string before = active_kernels().name;
  for (size_t i = expected_index + 1; i < compiled.size(); ++i) {
    CAPTURE(compiled[i]->name);
    CHECK(!select_kernels(compiled[i]->name));
  }
  CHECK(std::string(active_kernels().name) == before);
}

TEST_CASE("the features behind the choice agree with each other") {
  const CpuFeatures& cpu = cpu_features();
  if (cpu.arm_i8mm) CHECK(cpu.arm_dotprod);  // the i8mm set falls back to SDOT for odd rows
  if (cpu.arm_dotprod) CHECK(cpu.arm_neon);
#if defined(__aarch64__)
  CHECK(cpu.arm_neon);  // Advanced SIMD is part of every armv8-a CPU
#endif
}
