#!/usr/bin/env bash
# The command line as a llama.cpp user types it: --help on every command, --version, help CMD,
# the long spellings and --opt=value, `--`, -f (and - for stdin), reverse prompts, --ignore-eos,
# GPU options accepted with a notice, each bad value a named usage error (status 2), and a
# checkpoint that is not a .sprig file explained with the sprig-convert command that makes one.
set -u
sprig=$1 convert=$2 shared=$3 work=$4
if [ ! -d "$shared/models" ]; then
  echo "NOTICE: skipped cli options test: shared test data not found at $shared"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi; }
model="$work/stories.sprig"
"$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" \
  -o "$model" 2> /dev/null || { echo "FAILED: convert"; exit 1; }

# --- Help ----------------------------------------------------------------------------------------
for cmd in run chat probs plan tokenize perplexity bench serve; do
  "$sprig" $cmd --help > "$work/help_$cmd.txt" 2> "$work/help_$cmd.err"; status=$?
  check "sprig $cmd --help: status 0, usage on stdout, nothing on stderr" \
    "[ $status -eq 0 ] && grep -q '^usage: sprig $cmd' '$work/help_$cmd.txt' && [ ! -s '$work/help_$cmd.err' ]"
  "$sprig" $cmd -h > "$work/h_$cmd.txt" 2> /dev/null
  "$sprig" help $cmd > "$work/helpcmd_$cmd.txt" 2> /dev/null
  check "sprig $cmd -h and sprig help $cmd print the same" \
    "cmp -s '$work/help_$cmd.txt' '$work/h_$cmd.txt' && cmp -s '$work/help_$cmd.txt' '$work/helpcmd_$cmd.txt'"
done
"$convert" --help > "$work/help_convert.txt" 2> "$work/help_convert.err"; status=$?
check "sprig-convert --help: status 0, usage on stdout, nothing on stderr" \
  "[ $status -eq 0 ] && grep -q '^usage: sprig-convert' '$work/help_convert.txt' && [ ! -s '$work/help_convert.err' ]"
# Every option run and chat take is in their usage with its default.
for flag in --model --prompt --file --n-predict --reverse-prompt --ignore-eos --special --echo --display-prompt \
  --no-display-prompt --temp --top-k --top-p --min-p --repeat-penalty --repeat-last-n --presence-penalty \
  --frequency-penalty --seed --ctx-size --batch-size --threads --kv-cache --kernels --backend --help; do
  check "run --help explains $flag" "grep -q -- '$flag' '$work/help_run.txt'"
done
check "run --help gives the sampling defaults" \
  "grep -q 'default 0.8' '$work/help_run.txt' && grep -q 'default 40' '$work/help_run.txt' && grep -q 'default 0.95' '$work/help_run.txt' && grep -q 'default 0.05' '$work/help_run.txt'"
for flag in --system --conversation --session --print-prompt --json --temp --seed --ctx-size; do
  check "chat --help explains $flag" "grep -q -- '$flag' '$work/help_chat.txt'"
done
"$sprig" --version > "$work/version.txt"; status=$?
check "sprig --version" "[ $status -eq 0 ] && grep -q '^sprig [0-9]*\.[0-9]*\.[0-9]*' '$work/version.txt'"
"$sprig" --help > "$work/top.txt"; status=$?
check "sprig --help lists every command" \
  "[ $status -eq 0 ] && for c in run chat probs plan tokenize perplexity bench; do grep -q \"^  \$c \" '$work/top.txt' || exit 1; done"

# --- Long spellings, --opt=value, -s -------------------------------------------------------------
"$sprig" run -m "$model" -p "Once upon a time" -n 24 -c 128 -b 4 -t 1 --temp 0 > "$work/short.txt" 2> /dev/null
"$sprig" run --model "$model" --prompt "Once upon a time" --n-predict 24 --ctx-size 128 --batch-size 4 --threads 1 \
  --temp 0 > "$work/long.txt" 2> /dev/null
"$sprig" run --model="$model" --prompt="Once upon a time" --n-predict=24 --ctx-size=128 --batch-size=4 --threads=1 \
  --temp=0 > "$work/equals.txt" 2> /dev/null
check "long spellings and --opt=value give what the short options give" \
  "[ -s '$work/short.txt' ] && cmp -s '$work/short.txt' '$work/long.txt' && cmp -s '$work/short.txt' '$work/equals.txt'"
"$sprig" run -m "$model" -p "Once" -n 24 -s 7 > "$work/s7.txt" 2> "$work/s7.err"
"$sprig" run -m "$model" -p "Once" -n 24 --seed=7 > "$work/seed7.txt" 2> /dev/null
check "-s is --seed" "cmp -s '$work/s7.txt' '$work/seed7.txt' && grep -q 'seed 7 ' '$work/s7.err'"
check "the defaults are sampling at temperature 0.8, top-k 40, top-p 0.95, min-p 0.05" \
  "grep -q 'sampling: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05' '$work/s7.err'"
"$sprig" run -m "$model" -p "Once" -n 8 --temp 0 > /dev/null 2> "$work/greedy.err"
check "--temp 0 is greedy and says so" "grep -q 'greedy' '$work/greedy.err'"
"$sprig" run -m "$model" -p "Once" -n 8 --temp 1.1 --top-k 12 --top-p 0.5 --min-p 0.2 --repeat-penalty 1.2 \
  --repeat-last-n 32 --presence-penalty 0.25 --frequency-penalty=0.5 > /dev/null 2> "$work/all.err"
check "every sampling option reaches the sampler" \
  "grep -q 'temperature 1.1, top-k 12, top-p 0.5, min-p 0.2, penalties over the last 32 tokens: repeat 1.2, presence 0.25, frequency 0.5' '$work/all.err'"
"$sprig" run -m "$model" -p "Once" -n 8 --repeat-penalty 1.1 --repeat-last-n -1 > /dev/null 2> "$work/last.err"
check "--repeat-last-n -1 is the longest window" "grep -q 'last 4096 tokens' '$work/last.err'"

# --- Prompt from a file or stdin, `--` ---------------------------------------------------------
printf 'Once upon a time' > "$work/prompt.txt"
"$sprig" run -m "$model" -f "$work/prompt.txt" -n 24 -c 128 -b 4 -t 1 --temp 0 > "$work/file.txt" 2> /dev/null
printf 'Once upon a time' | "$sprig" run -m "$model" --file - -n 24 -c 128 -b 4 -t 1 --temp 0 > "$work/stdin.txt" 2> /dev/null
check "-f FILE and --file - read the prompt" "cmp -s '$work/short.txt' '$work/file.txt' && cmp -s '$work/short.txt' '$work/stdin.txt'"
"$sprig" run -m "$model" -f "$work" > /dev/null 2> "$work/dir.err"; status=$?
check "-f with a folder is a named error" "[ $status -eq 1 ] && grep -q 'is a folder' '$work/dir.err'"
"$sprig" tokenize -m "$model" --ids -- "-5 apples" > "$work/dashdash.txt" 2> "$work/dashdash.err"; status=$?
check "-- ends the options" "[ $status -eq 0 ] && [ -s '$work/dashdash.txt' ]"

# --- Reverse prompts and --ignore-eos ------------------------------------------------------------
"$sprig" run -m "$model" -p "" -n 60 --temp 0 > "$work/full.txt" 2> /dev/null
"$sprig" run -m "$model" -p "" -n 60 --temp 0 -r "Lily" -r "never there" > "$work/stop.txt" 2> "$work/stop.err"
check "-r stops before the stop string and does not print it" "python3 -c '
import sys
full, cut = open(sys.argv[1]).read(), open(sys.argv[2]).read()
assert \"Lily\" in full and cut == full[: full.index(\"Lily\")], (full, cut)
' '$work/full.txt' '$work/stop.txt' && grep -q 'reverse prompt' '$work/stop.err'"
"$sprig" run -m "$model" -p "" -n 60 --temp 0 --reverse-prompt "ünseen" > "$work/nostop.txt" 2> /dev/null
check "a stop string that never comes changes nothing" "cmp -s '$work/full.txt' '$work/nostop.txt'"
# stories260K ends a story with BOS, not EOS; the chat model's EOS is <|im_end|>.
"$convert" "$shared/models/stories260K-chat/stories260K-chat.gguf" -o "$work/chat.sprig" 2> /dev/null
turn=$'<|im_start|>user\nTell me a story.<|im_end|>\n<|im_start|>assistant\n'
"$sprig" run -m "$work/chat.sprig" --special -p "$turn" -n 300 --temp 0 > /dev/null 2> "$work/eos.err"
"$sprig" run -m "$work/chat.sprig" --special -p "$turn" -n 300 --temp 0 --ignore-eos > /dev/null 2> "$work/ignore.err"
check "--ignore-eos goes on past the end of the reply" \
  "grep -q 'generated: [0-9] tokens\\|generated: [0-9][0-9] tokens' '$work/eos.err' && grep -q 'generated: 300 tokens' '$work/ignore.err'"

# --- GPU options -----------------------------------------------------------------------------------
"$sprig" run -m "$model" -p "Once upon a time" -n 24 -c 128 -b 4 -t 1 --temp 0 -ngl 99 -fa on --n-gpu-layers=99 \
  > "$work/gpu.txt" 2> "$work/gpu.err"; status=$?
check "-ngl, -fa and --n-gpu-layers are accepted with a notice" \
  "[ $status -eq 0 ] && cmp -s '$work/short.txt' '$work/gpu.txt' && [ \$(grep -c 'ignored: sprig runs on the CPU' '$work/gpu.err') -eq 3 ]"

# --- Bad values: status 2 and the option named ----------------------------------------------------
bad() {  # bad NAME-IN-MESSAGE ARGS...
  local name=$1
  shift
  "$sprig" run -m "$model" -p x "$@" > /dev/null 2> "$work/bad.err"
  local status=$?
  check "run $* is a usage error naming $name" "[ $status -eq 2 ] && grep -q -- '$name' '$work/bad.err'"
}
bad --temp --temp -1
bad --temp --temp=hot
bad --top-k --top-k -1
bad --top-p --top-p 2
bad --min-p --min-p 1.5
bad --repeat-penalty --repeat-penalty 0
bad --repeat-last-n --repeat-last-n 5000
bad --presence-penalty --presence-penalty x
bad --frequency-penalty --frequency-penalty 1e9
bad --seed --seed abc
bad --seed -s -2
bad --n-predict --n-predict -1
bad --ctx-size --ctx-size x
bad --batch-size -b 0
bad --threads --threads 0
bad --kv-cache --kv-cache f8
bad --backend --backend xnn
bad --frobnicate --frobnicate
bad --echo --echo=yes
bad --reverse-prompt -r ""
bad "needs a value" --top-k
"$sprig" chat -m "$model" --temp=-3 < /dev/null > /dev/null 2> "$work/chatbad.err"; status=$?
check "chat --temp=-3 is a usage error" "[ $status -eq 2 ] && grep -q -- '--temp' '$work/chatbad.err'"

# --- Checkpoints that are not .sprig files ------------------------------------------------------
"$sprig" run -m "$shared/models/stories260K/stories260K.gguf" -p x > /dev/null 2> "$work/gguf.err"; status=$?
command=$(sed -n 's/^  \(sprig-convert .*\)$/\1/p' "$work/gguf.err")
check "run -m a GGUF says what it is and how to convert it" \
  "[ $status -eq 1 ] && grep -q 'is a GGUF file' '$work/gguf.err' && [ -n '$command' ]"
(cd "$work" && "$convert" ${command#sprig-convert } 2> /dev/null) && \
  "$sprig" run -m "$work/stories260K.sprig" -p "" -n 8 --temp 0 > "$work/converted.txt" 2> /dev/null
check "the printed sprig-convert command makes a model that runs" "[ -s '$work/converted.txt' ]"
"$sprig" run -m "$shared/models/stories260K/stories260K.bin" -p x > /dev/null 2> "$work/bin.err"; status=$?
check "run -m a llama2.c .bin names it and the converter command with --tokenizer" \
  "[ $status -eq 1 ] && grep -q 'llama2.c checkpoint' '$work/bin.err' && grep -q 'sprig-convert .*stories260K.bin --tokenizer' '$work/bin.err'"
mkdir -p "$work/hf" && echo '{}' > "$work/hf/config.json"
"$sprig" chat -m "$work/hf" > /dev/null 2> "$work/hf.err" < /dev/null; status=$?
check "chat -m a Hugging Face folder names it and the converter command" \
  "[ $status -eq 1 ] && grep -q 'Hugging Face model folder' '$work/hf.err' && grep -q 'sprig-convert .*/hf -o hf.sprig' '$work/hf.err'"

# --- tokenize and plan --json -----------------------------------------------------------------------
"$convert" --tokenizer-only "$shared/tokenizers/qwen2.5" -o "$work/qwen.sprig" 2> /dev/null
"$sprig" tokenize -m "$work/qwen.sprig" "안녕" > "$work/korean.txt"
"$sprig" tokenize -m "$work/qwen.sprig" --json "안녕" > "$work/korean.json"
check "tokenize shows Korean as text, not GPT-2's byte alphabet" \
  "grep -q '\"안\"' '$work/korean.txt' && grep -q '\"녕\"' '$work/korean.txt' && ! grep -q 'ìķ' '$work/korean.txt'"
check "tokenize --json gives the text and the raw piece" "python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert \"\".join(t[\"text\"] for t in d[\"tokens\"]) == \"안녕\", d
assert d[\"tokens\"][0][\"piece\"] == \"ìķĪ\", d
' '$work/korean.json'"
"$sprig" plan -m "$model" -c 512 > "$work/plan.txt"
"$sprig" plan -m "$model" -c 512 --json > "$work/plan.json"
check "plan --json agrees with the table" "python3 -c '
import json, re, sys
p = json.load(open(sys.argv[1]))
table = open(sys.argv[2]).read()
assert p[\"context_tokens\"] == 512 and p[\"kv_cache_type\"] == \"f16\"
assert str(p[\"session_bytes\"]) == re.search(r\"\((\d+) bytes\)\", table).group(1)
assert p[\"kv_cache_bytes\"] == 2 * 2 * 5 * 512 * 32
' '$work/plan.json' '$work/plan.txt'"

[ $failures -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all cli options checks passed"
