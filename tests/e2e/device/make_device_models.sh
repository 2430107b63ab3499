#!/usr/bin/env bash
# What the device suites read, made on the host as a workstation would: stories260K converted at
# f32, q8 and q4 by the host's sprig-convert, and the host's own greedy completion of a prompt
# with each quantized file (sprig run), which the device must reproduce exactly.
#   make_device_models.sh HOST_BUILD SHARED OUT_DIR
set -eu
host_build=$1 shared=$2 out=$3
if [ ! -d "$shared/models" ]; then
  echo "NOTICE: skipped making the device models: shared test data not found at $shared"
  exit 0
fi
rm -rf "$out" && mkdir -p "$out"
source_dir="$shared/models/stories260K"
for dtype in f32 q8 q4; do
  option=--quant
  [ "$dtype" = f32 ] && option=--dtype
  "$host_build/sprig-convert" "$source_dir/stories260K.bin" --tokenizer "$source_dir/tok512.bin" "$option" "$dtype" \
    -o "$out/stories260K-$dtype.sprig" 2> "$out/convert-$dtype.log"
done
# The prompt is several tokens long, so the batched prefill runs too.
for dtype in q8 q4; do
  "$host_build/sprig" run -m "$out/stories260K-$dtype.sprig" --temp 0 -p "Once upon a time" -n 48 > "$out/host-$dtype.txt" \
    2> /dev/null
  [ -s "$out/host-$dtype.txt" ] || { echo "the host's sprig run wrote nothing for $dtype"; exit 1; }
done
echo "device models and the host's completions in $out"
