#!/usr/bin/env bash
# The CLI on hostile input (issue 14): every refusal is a non-zero exit with a message on stderr
# naming the file; --echo writes whole UTF-8; tokenizer files with bad ids are refused by the
# tools that read them, not crashed on.
#   cli_hardening_test.sh SPRIG SPRIG_CONVERT SHARED WORK
set -u
sprig=$1 convert=$2 shared=$3 work=$4
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
rm -rf "$work" && mkdir -p "$work"

# A refusal: exit status 1 (not a signal), stderr naming $2 and containing $3.
expect_refusal() {
  local what=$1 name=$2 text=$3; shift 3
  "$@" > "$work/out" 2> "$work/err"
  local status=$?
  if [ $status -ne 1 ]; then fail "$what: exit status $status (want 1); stderr: $(head -c 300 "$work/err")"; return; fi
  grep -qF -- "$name" "$work/err" || fail "$what: stderr does not name $name: $(head -c 300 "$work/err")"
  grep -qF -- "$text" "$work/err" || fail "$what: stderr lacks '$text': $(head -c 300 "$work/err")"
}

# Heap overflows before: a negative, a huge and an added-token id of -1.
for vocab in '{"a": 0, "x": -1}' '{"a": 0, "x": 18446744073709551615}'; do
  printf '{"model": {"type": "BPE", "vocab": %s, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}' "$vocab" \
    > "$work/tokenizer.json"
  expect_refusal "convert --tokenizer-only $vocab" "$work/tokenizer.json" "model.vocab 'x'" \
    "$convert" --tokenizer-only "$work/tokenizer.json" -o "$work/t.sprig"
  expect_refusal "tokenize --tokenizer $vocab" "$work/tokenizer.json" "model.vocab 'x'" \
    "$sprig" tokenize --tokenizer "$work/tokenizer.json" hello
done
printf '{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"id": -1, "content": "<s>"}]}' \
  > "$work/tokenizer.json"
expect_refusal "added token id -1" "$work/tokenizer.json" "an added token" \
  "$convert" --tokenizer-only "$work/tokenizer.json" -o "$work/t.sprig"

# 100k levels of nesting: a stack overflow before.
python3 -c "print('[' * 100000 + ']' * 100000)" > "$work/tokenizer.json"
expect_refusal "nested tokenizer.json" "$work/tokenizer.json" "nests deeper" \
  "$convert" --tokenizer-only "$work/tokenizer.json" -o "$work/t.sprig"

# A folder given as the text to tokenize exited 0 before.
if [ -d "$shared/models/stories260K" ]; then
  "$convert" --tokenizer-only "$shared/models/stories260K/tok512.bin" -o "$work/tok.sprig" > /dev/null 2>&1 ||
    fail "cannot convert tok512"
  expect_refusal "tokenize -f DIR" "$work" "is a folder" "$sprig" tokenize -m "$work/tok.sprig" -f "$work"

  # --echo wrote the prompt's invalid bytes to stdout.
  "$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" \
    -o "$work/stories.sprig" > /dev/null 2>&1 || fail "cannot convert stories260K"
  "$sprig" run -m "$work/stories.sprig" -p $'Once \xff upon \xc3' -n 4 --temp 0 --echo > "$work/echo" 2> /dev/null ||
    fail "run --echo failed"
  python3 -c "import sys; t = open(sys.argv[1], 'rb').read(); t.decode('utf-8'); assert t.startswith('Once \ufffd upon \ufffd'.encode())" \
    "$work/echo" || fail "run --echo output is not the prompt as valid UTF-8: $(od -c "$work/echo" | head -3)"
else
  echo "NOTICE: skipped the model parts: shared test data not found at $shared"
fi

# rope_type 5 gave a JSON type error without the file's name.
mkdir -p "$work/hf"
printf '{"model_type": "llama", "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2, "vocab_size": 4, "max_position_embeddings": 32, "rope_scaling": {"rope_type": 5, "factor": 2}}' \
  > "$work/hf/config.json"
expect_refusal "rope_type 5" "$work/hf/config.json" "rope_scaling.rope_type = 5 is not a string" \
  "$convert" "$work/hf" -o "$work/m.sprig"

[ $failures -eq 0 ] && echo "cli hardening: all checks passed"
exit $((failures > 0))
