#!/usr/bin/env bash
# Runs the C API test (a C program) on stories260K converted for it.
set -eu
test_c_api=$1 convert=$2 shared=$3 work=$4
if [ ! -d "$shared/models" ]; then
  echo "NOTICE: skipped C API test: shared test data not found at $shared"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
"$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" \
  -o "$work/model.sprig" 2> /dev/null
"$test_c_api" "$work/model.sprig"
