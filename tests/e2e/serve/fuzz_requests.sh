#!/usr/bin/env bash
# Builds the server's request-parsing fuzzer with clang (libFuzzer + AddressSanitizer + UBSan)
# and runs it for a few seconds from seed bodies. Without clang it prints a skip notice. For a
# long run: tests/e2e/serve/fuzz_requests.sh REPO build/fuzz_serve 600
set -u
repo=$1 work=$2 seconds=${3:-5}
if ! command -v clang++ > /dev/null; then
  echo "NOTICE: skipped request fuzzing: clang++ not found (Debian: clang, libclang-rt-14-dev)"
  exit 0
fi
mkdir -p "$work/corpus"
serve=$repo/tools/serve
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I"$serve" \
  -I"$repo/runtime/include" "$repo/tests/fuzz/fuzz_serve_request.cpp" "$serve/openai_request.cpp" \
  "$repo/runtime/generate/stop_strings.cpp" \
  -o "$work/fuzz_serve_request" 2> "$work/compile.log" || { cat "$work/compile.log"; exit 1; }
# Seeds: a body for each route (the first byte picks the route).
printf '\x00{"model":"m","messages":[{"role":"system","content":"Be kind."},{"role":"user","content":[{"type":"text","text":"hi"}]}],"temperature":0.5,"top_p":0.9,"top_k":40,"min_p":0.05,"seed":7,"max_tokens":16,"stop":["\\n","The"],"logprobs":true,"top_logprobs":3,"stream":true,"stream_options":{"include_usage":true},"presence_penalty":0.5,"frequency_penalty":-0.5,"logit_bias":{"513":-100,"7":2.5}}' > "$work/corpus/chat"
printf '\x01{"prompt":["Once upon a time"],"max_tokens":8,"logprobs":5,"echo":true,"stop":"a"}' > "$work/corpus/completion"
printf '\x02{"content":"Hello \xec\x95\x88\xeb\x85\x95 \xf0\x9f\x99\x82","add_special":true,"with_pieces":true}' > "$work/corpus/tokenize"
printf '\x03{"tokens":[1,2,3,513]}' > "$work/corpus/detokenize"
"$work/fuzz_serve_request" -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/" "$work/corpus" > "$work/fuzz.log" 2>&1
status=$?
tail -n 12 "$work/fuzz.log"
exit $status
