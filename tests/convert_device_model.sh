#!/usr/bin/env bash
# Converts stories260K with the host's converter for the device tests (which have no converter).
set -eu
convert=$1 shared=$2 output=$3
if [ ! -d "$shared/models" ]; then
  echo "NOTICE: skipped converting the device model: shared test data not found at $shared"
  exit 0
fi
mkdir -p "$(dirname "$output")"
"$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" -o "$output"
