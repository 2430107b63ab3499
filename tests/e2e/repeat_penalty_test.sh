#!/usr/bin/env bash
# --repeat-penalty 1.3 cuts the repetition of greedy decoding: over 128 tokens of "Once upon a
# time", the share of words already among the 32 words before them, without and with it.
set -u
sprig=$1 convert=$2 shared=$3 work=$4
if [ ! -d "$shared/models" ]; then
  echo "NOTICE: skipped repeat penalty test: shared test data not found at $shared"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
model="$work/stories.sprig"
"$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" \
  -o "$model" 2> /dev/null || { echo "FAILED: convert"; exit 1; }
"$sprig" run -m "$model" -p "Once upon a time" -n 128 --temp 0 > "$work/greedy.txt" 2> /dev/null
"$sprig" run -m "$model" -p "Once upon a time" -n 128 --temp 0 --repeat-penalty 1.3 > "$work/penalised.txt" 2> /dev/null
python3 - "$work/greedy.txt" "$work/penalised.txt" <<'PY'
import re
import sys


def repeated_share(path):
    words = re.findall(r"[a-z']+", open(path, encoding="utf-8").read().lower())
    repeats = sum(1 for i, w in enumerate(words) if w in words[max(0, i - 32):i])
    return repeats / len(words), len(words)


before, n_before = repeated_share(sys.argv[1])
after, n_after = repeated_share(sys.argv[2])
print(f"greedy: {before:.1%} of {n_before} words repeat one of the 32 before; --repeat-penalty 1.3: {after:.1%} of {n_after}")
if not (n_before >= 60 and n_after >= 60 and after < 0.75 * before):
    print("FAILED: the penalty did not cut the repetition by a quarter")
    sys.exit(1)
print("ok: --repeat-penalty 1.3 cuts the repeated words")
PY
