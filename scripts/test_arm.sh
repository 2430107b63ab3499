#!/usr/bin/env bash
# The ARM part of the suite: cross-compiles the runtime and the device suites with Debian's cross
# compilers against a sysroot of the ARM builds of the libraries, and runs them under qemu-user:
# aarch64 on a Cortex-A72 (Raspberry Pi 4: NEON), a Cortex-A76 (Pi 5: dotprod) and qemu's `max`
# (i8mm), armv7 on a Cortex-A7 (32-bit Pi OS). Each suite asserts the kernel set its CPU selects.
#   scripts/test_arm.sh [HOST_BUILD]   HOST_BUILD (default: build) holds the host's sprig-convert
#                                      and sprig: they convert the model files, as a workstation
#                                      would, and record the host's completions to compare with.
# qemu timings say nothing about speed on a real board; see bench/ for that.
set -euo pipefail
cd "$(dirname "$0")/.."
host_build="$PWD/${1:-build}"
for tool in sprig-convert sprig; do
  if [ ! -x "$host_build/$tool" ]; then
    echo "test_arm: $host_build/$tool not found: build the host first (scripts/build.sh)" >&2
    exit 1
  fi
done

# arch, Debian architecture of the sysroot, toolchain file, qemu CPU models and the set each selects.
run_arch() {
  local arch=$1 debian_arch=$2 toolchain=$3 cpus=$4
  local started=$SECONDS dir="build-arm/$arch" sysroot="$PWD/build-arm/sysroot-$debian_arch"
  scripts/arm_sysroot.sh "$debian_arch" "$sysroot"
  mkdir -p "$dir"
  cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$PWD/toolchains/$toolchain" -DSPRIG_SYSROOT="$sysroot" \
    -DSPRIG_BUILD_CONVERTER=OFF -DCMAKE_BUILD_TYPE=Release -DSPRIG_TEST_CPUS="$cpus" \
    -DSPRIG_HOST_BUILD="$host_build" > "$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
  # Only what the qemu runs need: the device suites (and the runtime they link).
  cmake --build "$dir" -j"$(nproc)" --target sprig_device_tests
  (cd "$dir" && ctest --output-on-failure -j"$(nproc)")
  echo "test_arm: $arch built and tested in $((SECONDS - started)) s"
}

run_arch aarch64 arm64 aarch64-linux-gnu.cmake "cortex-a72=arm_neon;cortex-a76=arm_dotprod;max=arm_i8mm"
run_arch armv7 armhf arm-linux-gnueabihf.cmake "cortex-a7=armv7_neon"
