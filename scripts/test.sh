#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs every test, runs the suite again under
# AddressSanitizer and UndefinedBehaviorSanitizer, then cross-builds for ARM and runs the device
# suites under qemu-user (scripts/test_arm.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ ! -d ../shared/models ]; then
  echo "NOTICE: ../shared is not beside this repository: tests that need real models are skipped."
fi

scripts/build.sh build
(cd build && ctest --output-on-failure -j"$(nproc)")

echo "== the same suite under AddressSanitizer + UndefinedBehaviorSanitizer"
scripts/build.sh build-sanitize -DSPRIG_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
(cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$(nproc)")

echo "== ARM: cross-compiled, run under qemu-user"
scripts/test_arm.sh build
