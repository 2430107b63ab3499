#!/usr/bin/env bash
# Runs the C API chat test (a C program) on stories260K-chat and the base stories260K.
set -eu
test_c_api_chat=$1 convert=$2 shared=$3 work=$4
if [ ! -d "$shared/models/stories260K-chat" ]; then
  echo "NOTICE: skipped C API chat test: shared test data not found at $shared"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
"$convert" "$shared/models/stories260K-chat/stories260K-chat.gguf" -o "$work/chat.sprig" 2> /dev/null
"$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" \
  -o "$work/base.sprig" 2> /dev/null
# A random-weight model with Qwen2.5's tokenizer files and SmolLM3's template, for the chat options.
smol=()
if [ -f "$shared/chat-templates/smollm3-3b.jinja" ] && command -v python3 > /dev/null; then
  mkdir -p "$work/smollm3"
  cp "$shared/tokenizers/qwen2.5/vocab.json" "$shared/tokenizers/qwen2.5/merges.txt" "$work/smollm3/"
  python3 -c 'import json, sys
config = json.load(open(sys.argv[1], encoding="utf-8"))
config["chat_template"] = open(sys.argv[2], encoding="utf-8").read()
json.dump(config, open(sys.argv[3], "w", encoding="utf-8"))' \
    "$shared/tokenizers/qwen2.5/tokenizer_config.json" "$shared/chat-templates/smollm3-3b.jinja" \
    "$work/smollm3/tokenizer_config.json"
  "$convert" --synthetic tiny-llama --tokenizer "$work/smollm3" --dtype f16 -o "$work/smollm3.sprig" 2> /dev/null
  smol=("$work/smollm3.sprig")
else
  echo "NOTICE: no SmolLM3 template or python3: the chat options' dated checks are skipped"
fi
"$test_c_api_chat" "$work/chat.sprig" "$work/base.sprig" "$work" "${smol[@]}"
