#!/usr/bin/env bash
# Runs the bindings-block C test on stories260K, stories260K-chat and the Qwen2.5 tokenizer.
set -eu
test=$1 convert=$2 shared=$3 work=$4
if [ ! -d "$shared/models/stories260K-chat" ]; then
  echo "NOTICE: skipped the C API bindings test: shared test data not found at $shared"
  exit 0
fi
rm -rf "$work" && mkdir -p "$work"
"$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" \
  -o "$work/base.sprig" 2> /dev/null
"$convert" "$shared/models/stories260K-chat/stories260K-chat.gguf" -o "$work/chat.sprig" 2> /dev/null
"$convert" --tokenizer-only "$shared/tokenizers/qwen2.5" -o "$work/qwen.sprig" 2> /dev/null
"$test" "$work/base.sprig" "$work/chat.sprig" "$work/qwen.sprig"
