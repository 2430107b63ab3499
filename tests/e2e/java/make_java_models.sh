#!/usr/bin/env bash
# Converts the models the Java tests use: stories260K, stories260K-chat and the Qwen2.5
# tokenizer alone (a byte-level vocabulary).
set -eu
convert=$1 shared=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
if [ ! -d "$shared/models/stories260K-chat" ]; then
  echo "NOTICE: the Java tests skip: shared test data not found at $shared"
  exit 0
fi
"$convert" "$shared/models/stories260K/stories260K.bin" --tokenizer "$shared/models/stories260K/tok512.bin" \
  -o "$work/base.sprig" 2> /dev/null
"$convert" "$shared/models/stories260K-chat/stories260K-chat.gguf" -o "$work/chat.sprig" 2> /dev/null
"$convert" --tokenizer-only "$shared/tokenizers/qwen2.5" -o "$work/qwen.sprig" 2> /dev/null
# Random weights over the same vocabulary: a byte-level model that generates (Korean, emoji, ...).
"$convert" --synthetic tiny-llama --tokenizer "$shared/tokenizers/qwen2.5" --dtype f16 -o "$work/qwen-random.sprig" \
  2> /dev/null
echo "converted the models for the Java tests into $work"
