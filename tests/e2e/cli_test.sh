#!/usr/bin/env bash
# The command line end to end: convert stories260K, complete with greedy decoding, and check that
# stdout carries exactly the generated text and that bad input ends with an error, not a crash.
set -u
sprig=$1 convert=$2 shared=$3 work=$4
if [ ! -d "$shared/models" ]; then
  echo "NOTICE: skipped cli test: shared test data not found at $shared"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi; }

"$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" \
  -o "$work/model.sprig" 2> "$work/convert.log"
check "convert prints what it read and wrote" "grep -q 'dim 64, layers 5' '$work/convert.log' && grep -q 'wrote' '$work/convert.log'"

"$sprig" run -m "$work/model.sprig" --temp 0 -p "" -n 40 > "$work/out.txt" 2> "$work/err.txt"
check "greedy completion from BOS starts like llama2.c's" "grep -q '^Once upon a time, there was a little girl named Lily.' '$work/out.txt'"
check "the speed line goes to stderr" "grep -q 'tokens/s' '$work/err.txt' && ! grep -q 'tokens/s' '$work/out.txt'"

"$sprig" run -m "$work/model.sprig" -p "Once upon a time" -n 20 --echo > "$work/echo.txt" 2> /dev/null
check "--echo prints the prompt first" "grep -q '^Once upon a time' '$work/echo.txt'"

"$sprig" plan -m "$work/model.sprig" -c 512 --kv-cache f32 > "$work/plan.txt"
# 2 (keys, values) x 4 bytes x 5 layers x 512 positions x 32 kv dims = 655360 bytes
check "plan prints the KV cache for the context asked" "grep -q '^kv cache *0.62 MiB' '$work/plan.txt' && grep -q 'session total' '$work/plan.txt'"
"$sprig" plan -m "$work/model.sprig" -c 512 > "$work/plan16.txt"
"$sprig" plan -m "$work/model.sprig" -c 512 -b 8 -t 2 --kv-cache int8 > "$work/plan8.txt"
# f16 halves it; int8 is 163840 bytes of values plus 2 x 4 x 5 x 512 x 4 heads of scales = 245760
check "plan: f16 KV cache by default, int8 with per-head scales" "grep -q '^kv cache *0.31 MiB' '$work/plan16.txt' && grep -q '^kv cache *0.23 MiB' '$work/plan8.txt' && grep -q 'batch 8, 2 threads, int8' '$work/plan8.txt'"
"$sprig" run -m "$work/model.sprig" --temp 0 -p "" -n 40 -c 128 -b 4 -t 1 --kv-cache f32 > "$work/out32.txt" 2> /dev/null
check "run takes -c -b -t --kv-cache and greedy output is the same" "grep -q '^Once upon a time, there was a little girl named Lily.' '$work/out32.txt'"
"$sprig" run -m "$work/model.sprig" -p "" -n 20 -c 64 --track-memory > /dev/null 2> "$work/track.txt"
check "run --track-memory reports each region's use and intact guards" "grep -q 'guards intact' '$work/track.txt' && grep -q 'keys' '$work/track.txt'"
"$sprig" run -m "$work/model.sprig" --kv-cache f8 > /dev/null 2> "$work/kv_usage.txt"; status=$?
check "an unknown KV cache type is a usage error" "[ $status -eq 2 ] && grep -q 'kv-cache' '$work/kv_usage.txt'"
"$sprig" run -m "$work/model.sprig" --temp 0 -p "" -n 40 -b 4 -t 2 --backend xnnpack > "$work/xnnpack.txt" 2> "$work/xnnpack_err.txt"
check "run --backend xnnpack: the same greedy text, and the log says what XNNPACK multiplies" "cmp -s '$work/out.txt' '$work/xnnpack.txt' && grep -q 'XNNPACK multiplies 36 f32 matrices' '$work/xnnpack_err.txt'"
"$sprig" plan -m "$work/model.sprig" -c 512 --backend xnnpack > "$work/plan_xnnpack.txt"
check "plan --backend xnnpack prints XNNPACK's memory on its own line" "grep -q '^xnnpack *1.09 MiB' '$work/plan_xnnpack.txt' && ! grep -q '^xnnpack' '$work/plan16.txt'"
"$sprig" run -m "$work/model.sprig" --backend xnn > /dev/null 2> "$work/backend_usage.txt"; status=$?
check "an unknown backend is a usage error" "[ $status -eq 2 ] && grep -q 'backend takes sprig or xnnpack' '$work/backend_usage.txt'"

"$sprig" bench -m "$work/model.sprig" -p 8 -n 4 -t 1,2 -r 3 --json > "$work/bench.json" 2> /dev/null
check "bench --json: pp and tg rows per thread count, each tg against its own probes" "python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))
assert [(r[\"threads\"], r[\"test\"]) for r in rows] == [(1, \"pp8\"), (1, \"tg4\"), (2, \"pp8\"), (2, \"tg4\")]
assert all(r[\"repetitions\"] == 3 and r[\"tokens_per_s\"] > 0 and r[\"read_gbps\"] > 0 for r in rows)
assert all(r[\"of_ceiling\"] > 0 and r[\"ceiling_tokens_per_s\"] > 0 for r in rows if r[\"test\"] == \"tg4\")
' '$work/bench.json'"
"$sprig" bench -m "$work/model.sprig" -r 0 > /dev/null 2> "$work/bench_usage.txt"; status=$?
check "bench -r 0 is a usage error" "[ $status -eq 2 ] && grep -q -- '-r' '$work/bench_usage.txt'"

"$sprig" tokenize -m "$work/model.sprig" --ids "Once upon a time" > "$work/ids.txt"
check "tokenize --ids prints BOS and the word pieces" "[ \"\$(cat '$work/ids.txt')\" = '1 403 407 261 378' ]"
"$sprig" tokenize -m "$work/model.sprig" --json "안녕 \"hi\"" > "$work/tokens.json"
check "tokenize --json is valid JSON with escaped pieces" "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"count\"]==len(d[\"tokens\"])' '$work/tokens.json'"

"$sprig" tokenize --tokenizer "$shared/tokenizers/gpt2" --ids "good morning dearest friend" > "$work/gpt2.txt" 2> /dev/null
check "tokenize --tokenizer reads vocab.json + merges.txt (no BOS for GPT-2)" "[ \"\$(cat '$work/gpt2.txt')\" = '11274 3329 390 12423 1545' ]"
"$convert" --tokenizer-only "$shared/tokenizers/llama.cpp-vectors/ggml-vocab-gpt-2.gguf" -o "$work/gpt2.sprig" 2> /dev/null
"$sprig" tokenize -m "$work/gpt2.sprig" --ids "good morning dearest friend" > "$work/gpt2_gguf.txt"
check "a vocab-only file from GGUF gives the same ids" "cmp -s '$work/gpt2.txt' '$work/gpt2_gguf.txt'"
"$sprig" tokenize --tokenizer "$shared/tokenizers/qwen2.5" --ids "hi<|im_end|>" > "$work/plain.txt" 2> /dev/null
"$sprig" tokenize --tokenizer "$shared/tokenizers/qwen2.5" --ids --special "hi<|im_end|>" > "$work/special.txt" 2> /dev/null
check "typed <|im_end|> is plain text unless --special" "! grep -qw 151645 '$work/plain.txt' && grep -qw 151645 '$work/special.txt'"
"$sprig" run -m "$work/gpt2.sprig" -p x > /dev/null 2> "$work/vocab_only_run.txt"; status=$?
check "running a vocab-only file is a named error" "[ $status -eq 1 ] && grep -q 'only a tokenizer' '$work/vocab_only_run.txt'"

head -c 1000 "$work/model.sprig" > "$work/truncated.sprig"
"$sprig" run -m "$work/truncated.sprig" -p x > /dev/null 2> "$work/truncated.txt"; status=$?
check "a truncated model is a named error with exit status 1" "[ $status -eq 1 ] && grep -q 'truncated' '$work/truncated.txt'"

"$sprig" run -m "$work/model.sprig" --top-p 2 > /dev/null 2> "$work/usage.txt"; status=$?
check "a bad option value is a usage error" "[ $status -eq 2 ] && grep -q 'top-p' '$work/usage.txt'"

"$convert" "$work/truncated.sprig" -o "$work/never.sprig" 2> "$work/convert_bad.txt"; status=$?
check "converting garbage fails with a message and writes nothing" "[ $status -eq 1 ] && [ ! -e '$work/never.sprig' ]"

[ $failures -eq 0 ]
