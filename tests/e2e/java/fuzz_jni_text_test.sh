#!/usr/bin/env bash
# Builds the JNI text fuzzer with clang (libFuzzer + AddressSanitizer + UBSan) and runs it for a
# few seconds. Without clang it prints a skip notice. For a long run:
#   tests/e2e/java/fuzz_jni_text_test.sh REPO build/fuzz-jni 600
set -u
repo=$1 work=$2 seconds=${3:-3}
if ! command -v clang++ > /dev/null; then
  echo "NOTICE: skipped JNI text fuzzing: clang++ not found (Debian: clang, libclang-rt-14-dev)"
  exit 0
fi
mkdir -p "$work/corpus"
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$repo/platforms/android/jni" "$repo/tests/fuzz/fuzz_jni_text.cpp" "$repo/platforms/android/jni/utf_convert.cpp" \
  -lutf8proc -o "$work/fuzz_jni_text" 2> "$work/compile.log" || { cat "$work/compile.log"; exit 1; }
printf '안녕하세요 😀 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf abc' > "$work/corpus/seed_mixed"
"$work/fuzz_jni_text" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" > "$work/fuzz.log" 2>&1
status=$?
tail -n 12 "$work/fuzz.log"
exit $status
