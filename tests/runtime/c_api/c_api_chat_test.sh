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
"$test_c_api_chat" "$work/chat.sprig" "$work/base.sprig" "$work"
