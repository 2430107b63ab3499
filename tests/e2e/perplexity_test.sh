#!/usr/bin/env bash
# sprig perplexity against the NumPy reference on stories260K and tinytales.txt.
set -eu
sprig=$1 convert=$2 shared=$3 work=$4 python=$5
if [ ! -d "$shared/models" ] || [ -z "$python" ]; then
  echo "NOTICE: skipped perplexity test: needs ../shared and Python with NumPy"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
bin=$shared/models/stories260K/stories260K.bin
"$convert" "$bin" --tokenizer "$shared/models/stories260K/tok512.bin" -o "$work/f32.sprig" 2> /dev/null
"$sprig" tokenize -m "$work/f32.sprig" --ids --no-bos -f "$shared/eval/tinytales.txt" > "$work/ids.txt"
"$sprig" perplexity -m "$work/f32.sprig" -f "$shared/eval/tinytales.txt" -c 96 --kv-cache f32 --kl-base "$work/f32.sprig" --json \
  > "$work/sprig.json"
"$python" "$(dirname "$0")/../reference/perplexity_reference.py" "$bin" "$work/ids.txt" 96 "$work/sprig.json"
