#!/bin/sh
# sprig chat --date and --think from the command line: a vocabulary-only model per template
# (Qwen2.5's tokenizer files with SmolLM3's or Qwen3's template as tokenizer_config.json's
# chat_template, as a Hugging Face folder holds them) must print the prompt python3-jinja2 renders
# (tests/reference/template_fixtures) for the date and switch given, and refuse malformed values.
set -u
sprig=$1 convert=$2 shared=$3 work=$4 python=${5:-python3}
tests=$(cd "$(dirname "$0")/.." && pwd)
fixtures=$tests/reference/template_fixtures
if [ ! -d "$shared/chat-templates" ]; then
  echo "NOTICE: $shared/chat-templates is absent; skipping the --date/--think checks"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi; }

for pair in smollm3:smollm3-3b qwen3:qwen3; do
  name=${pair%%:*} stem=${pair#*:}
  mkdir -p "$work/$name"
  cp "$shared/tokenizers/qwen2.5/vocab.json" "$shared/tokenizers/qwen2.5/merges.txt" "$work/$name/"
  "$python" -c 'import json, sys
config = json.load(open(sys.argv[1], encoding="utf-8"))
config["chat_template"] = open(sys.argv[2], encoding="utf-8").read()
json.dump(config, open(sys.argv[3], "w", encoding="utf-8"))' \
    "$shared/tokenizers/qwen2.5/tokenizer_config.json" "$shared/chat-templates/$stem.jinja" \
    "$work/$name/tokenizer_config.json"
  "$convert" --tokenizer-only "$work/$name" -o "$work/$name.sprig" 2> "$work/$name.convert.err" ||
    cat "$work/$name.convert.err"
  for think in default on off; do
    option="" && [ "$think" != default ] && option="--think $think"
    variant=default && [ "$think" != default ] && variant=think_$think
    # shellcheck disable=SC2086
    "$sprig" chat -m "$work/$name.sprig" --conversation "$shared/eval/conversation.json" --print-prompt \
      --date 2026-03-09 $option > "$work/$name.$variant.txt" 2> "$work/$name.$variant.err"
    check "$name --think $think --date 2026-03-09 prints python3-jinja2's prompt" \
      "cmp -s '$work/$name.$variant.txt' '$fixtures/$name.eval.$variant.txt'"
  done
done

# Without --date the device's date is written (as strftime_now writes it in the C locale).
today=$(LC_ALL=C date +"%d %B %Y")
"$sprig" chat -m "$work/smollm3.sprig" --conversation "$shared/eval/conversation.json" --print-prompt \
  > "$work/today.txt" 2>&1
check "without --date SmolLM3's header has today's date ($today)" "grep -q 'Today Date: $today\$' '$work/today.txt'"

# Malformed values are usage errors that name the option; a template without a switch refuses --think.
"$convert" --tokenizer-only "$shared/tokenizers/qwen2.5" -o "$work/qwen2.5.sprig" 2> /dev/null
refuses() {
  if "$sprig" chat -m "$work/$1.sprig" --conversation "$shared/eval/conversation.json" --print-prompt $2 \
    > "$work/refused.out" 2> "$work/refused.err"; then
    return 1
  fi
  grep -q -- "$3" "$work/refused.err"
}
check "--date 2026-02-30 is refused" "refuses smollm3 '--date 2026-02-30' 'not a calendar day'"
check "--date 09/03/2026 is refused" "refuses smollm3 '--date 09/03/2026' 'not a calendar day'"
check "--think maybe is refused" "refuses qwen3 '--think maybe' 'on or off'"
check "--think on for Qwen2.5 (no switch) is refused" "refuses qwen2.5 '--think on' 'no reasoning switch'"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all --date/--think checks passed"
