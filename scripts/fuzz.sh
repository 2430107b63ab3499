#!/usr/bin/env bash
# Long fuzzing runs: builds every libFuzzer target with clang (ASan + UBSan) and sprig-convert in
# build-fuzz/, makes the seed corpora from ../shared, then fuzzes each target for SECONDS (default
# 600) with JOBS forked workers (default 1), going on after findings. Corpora grow in
# the corpus folder under build-fuzz across runs; findings land in its findings folder.
#   scripts/fuzz.sh [SECONDS] [JOBS] [TARGET...]     (targets: tests/fuzz/fuzz.sh targets)
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-600} jobs=${2:-1}
shift $(($# > 2 ? 2 : $#))
targets=${*:-$("$repo/tests/fuzz/fuzz.sh" targets)}
work=$repo/build-fuzz/work
shared=${SPRIG_SHARED_DIR:-$repo/../shared}
cmake -S "$repo" -B "$work/build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSPRIG_FUZZ=ON \
  -DSPRIG_SANITIZE=ON -DSPRIG_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$work/build" -j2 --target sprig-convert > /dev/null
"$repo/tests/fuzz/fuzz.sh" prepare "$repo" "$shared" "$work" "$work/build/sprig-convert"
status=0
for target in $targets; do
  echo "== fuzz_$target, $seconds s"
  "$repo/tests/fuzz/fuzz.sh" run "$work" "$target" "$seconds" "$jobs" || status=1
  ls "$work/findings" 2> /dev/null | grep "^$target-" || true
done
exit $status
