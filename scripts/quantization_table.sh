#!/usr/bin/env bash
# Measures every quantization recipe on stories260K against the f32 model and prints the
# markdown table kept in docs/quantization.md:
#   scripts/quantization_table.sh [build folder] > table.md
# Perplexity and KL are over ../shared/eval/tinytales.txt in windows of 128 tokens. The greedy
# column compares 64 greedy tokens after the text's first line with the f32 model's.
# Calibration text is written by the f32 model itself (8 sampled stories), not the evaluation text.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shared=../shared
bin=$shared/models/stories260K/stories260K.bin
tok=$shared/models/stories260K/tok512.bin
text=$shared/eval/tinytales.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prompt=$(head -n 1 "$text")

"$build/sprig-convert" "$bin" --tokenizer "$tok" -o "$work/f32.sprig" 2> /dev/null
for seed in 1 2 3 4 5 6 7 8; do
  "$build/sprig" run -m "$work/f32.sprig" -p "" --temp 1 --top-p 0.95 --top-k 0 --min-p 0 --seed "$seed" -n 600 -c 512 2> /dev/null
  echo
done > "$work/calibration.txt"
"$build/sprig" run -m "$work/f32.sprig" --temp 0 -p "$prompt" -n 64 > "$work/f32.out" 2> /dev/null

echo "| recipe | file bytes | perplexity | mean KL | p99 KL | top-1 agreement | greedy 64 = f32 |"
echo "|---|---:|---:|---:|---:|---:|:---:|"
row() {
  local name=$1; shift
  "$build/sprig-convert" "$bin" --tokenizer "$tok" -o "$work/m.sprig" "$@" 2> /dev/null
  "$build/sprig" run -m "$work/m.sprig" --temp 0 -p "$prompt" -n 64 > "$work/m.out" 2> /dev/null
  local same=no
  cmp -s "$work/m.out" "$work/f32.out" && same=yes
  "$build/sprig" perplexity -m "$work/m.sprig" -f "$text" -c 128 --kl-base "$work/f32.sprig" --json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("| %s | %d | %.4f | %.5f | %.5f | %.2f%% | %s |" % (sys.argv[1], int(sys.argv[2]), d["perplexity"], d["kl_mean"], d["kl_p99"], 100*d["top1_agreement"], sys.argv[3]))' \
      "$name" "$(stat -c %s "$work/m.sprig")" "$same"
}
row "f32" --dtype f32
row "f16" --dtype f16
for quant in q8 q4 q4a; do
  for group in 32 64 128; do
    for method in rtn search; do
      row "$quant g$group $method" --quant "$quant" --group "$group" --method "$method"
    done
    row "$quant g$group search + calibration" --quant "$quant" --group "$group" --calibration "$work/calibration.txt"
  done
done
# What the q8 recipe's f16 head adds to its two-term activations.
row "q8 g32 search, q8 head" --quant q8 --head q8
