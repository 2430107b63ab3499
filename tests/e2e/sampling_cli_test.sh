#!/usr/bin/env bash
# Sampling from the command line: without --seed every run picks its own seed, says it, and the
# stories are healthy and varied; --seed N (0 included) repeats a run exactly.
set -u
sprig=$1 convert=$2 shared=$3 work=$4
if [ ! -d "$shared/models" ]; then
  echo "NOTICE: skipped sampling cli test: shared test data not found at $shared"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi; }
model="$work/stories.sprig"
"$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" \
  -o "$model" 2> /dev/null || { echo "FAILED: convert"; exit 1; }

# A text is healthy when it is not empty and not one token (or one word) over and over.
healthy() { python3 -c '
import sys
text = open(sys.argv[1], encoding="utf-8").read()
words = text.split()
sys.exit(0 if len(words) >= 5 and len(set(words)) >= 3 and len(set(text.replace(" ", ""))) >= 5 else 1)
' "$1"; }

for i in 0 1 2 3 4 5 6 7 8 9; do
  "$sprig" run -m "$model" -p "Once upon a time" -n 40 --temp 0.8 > "$work/free_$i.txt" 2> "$work/free_$i.err"
done
all_healthy=1
for i in 0 1 2 3 4 5 6 7 8 9; do healthy "$work/free_$i.txt" || { all_healthy=0; echo "unhealthy: $(cat "$work/free_$i.txt")"; }; done
check "10 runs without a seed: every text healthy" "[ $all_healthy -eq 1 ]"
distinct=$(for i in 0 1 2 3 4 5 6 7 8 9; do md5sum < "$work/free_$i.txt"; done | sort -u | wc -l)
check "10 runs without a seed: at least 5 distinct texts ($distinct)" "[ $distinct -ge 5 ]"
seed=$(sed -n 's/.*seed \([0-9]*\) (--seed.*/\1/p' "$work/free_3.err")
check "a run without a seed prints the seed it drew" "[ -n '$seed' ]"
"$sprig" run -m "$model" -p "Once upon a time" -n 40 --temp 0.8 --seed "$seed" > "$work/again.txt" 2> /dev/null
check "--seed with the printed seed repeats that run" "cmp -s '$work/free_3.txt' '$work/again.txt'"

"$sprig" run -m "$model" -p "Once upon a time" -n 40 --temp 0.8 --seed 0 > "$work/zero_a.txt" 2> /dev/null
"$sprig" run -m "$model" -p "Once upon a time" -n 40 --temp 0.8 --seed 0 > "$work/zero_b.txt" 2> /dev/null
check "--seed 0 gives a healthy text" "healthy '$work/zero_a.txt'"
check "--seed 0 is reproducible" "cmp -s '$work/zero_a.txt' '$work/zero_b.txt'"
"$sprig" run -m "$model" -p "Once upon a time" -n 20 --temp 1.0 --top-k 40 --seed 0 > "$work/zero_k.txt" 2> /dev/null
check "--seed 0 with top-k 40 at temperature 1 is healthy" "healthy '$work/zero_k.txt'"

# Chat samples too (seed 0 once made every reply empty).
"$convert" "$shared/models/stories260K-chat/stories260K-chat.gguf" -o "$work/chat.sprig" 2> /dev/null
echo "Tell me a story about a dog named Max." | "$sprig" chat -m "$work/chat.sprig" --temp 0.8 --seed 0 -n 60 \
  > "$work/chat0.txt" 2> /dev/null
check "chat --temp 0.8 --seed 0 replies with a healthy text" "healthy '$work/chat0.txt'"
echo "Tell me a story about a dog named Max." | "$sprig" chat -m "$work/chat.sprig" -n 60 > "$work/chat_free.txt" \
  2> "$work/chat_free.err"
check "chat without a seed samples, says its seed and replies" \
  "healthy '$work/chat_free.txt' && grep -q 'seed [0-9]* (--seed' '$work/chat_free.err'"

[ $failures -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all sampling cli checks passed"
