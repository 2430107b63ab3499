#!/usr/bin/env bash
# The main job: install, build, convert a model and generate text from it.
#   scripts/demo.sh                          stories260K from ../shared (when present)
#   scripts/demo.sh MODEL.bin TOKENIZER.bin  a llama2.c checkpoint and its tokenizer
#   scripts/demo.sh MODEL.gguf | HF_FOLDER   a GGUF file or a Hugging Face Llama folder
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build

input=${1:-../shared/models/stories260K/stories260K.bin}
tokenizer=${2:-}
if [ -z "${1:-}" ]; then
  tokenizer=../shared/models/stories260K/tok512.bin
fi
if [ ! -e "$input" ]; then
  echo "No model at $input. Pass a checkpoint, e.g. stories260K.bin and tok512.bin from" >&2
  echo "the tinyllamas repository on Hugging Face (karpathy/tinyllamas, folder stories260K)." >&2
  exit 1
fi
args=("$input" -o build/model.sprig)
[ -n "$tokenizer" ] && args+=(--tokenizer "$tokenizer")
build/sprig-convert "${args[@]}"
build/sprig run -m build/model.sprig -p "Once upon a time" -n 128 --echo
