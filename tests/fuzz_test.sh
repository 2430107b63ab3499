#!/usr/bin/env bash
# Builds the tokenizer fuzzer with clang (libFuzzer + AddressSanitizer + UBSan) and runs it for
# a few seconds over vocab-only files of the shared tokenizers. Without clang, or without the
# shared data, it prints a skip notice. For a long run:
#   tests/fuzz_test.sh REPO GENERATED_DIR build/sprig-convert ../shared build/fuzz 600
set -u
repo=$1 generated=$2 convert=$3 shared=$4 work=$5 seconds=${6:-5}
if ! command -v clang++ > /dev/null; then
  echo "NOTICE: skipped tokenizer fuzzing: clang++ not found (Debian: clang, libclang-rt-14-dev)"
  exit 0
fi
if [ ! -d "$shared/tokenizers" ]; then
  echo "NOTICE: skipped tokenizer fuzzing: shared test data not found at $shared"
  exit 0
fi
mkdir -p "$work/tokenizers" "$work/corpus"
src=$repo/runtime/src
clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -I"$repo/runtime/include" -I"$src" -I"$generated" \
  "$repo/tests/fuzz/fuzz_tokenizer.cpp" "$src/tokenizer.cpp" "$src/tokenizer_spm.cpp" \
  "$src/tokenizer_byte_level.cpp" "$src/tokenizer_merge.cpp" "$src/pretokenizer.cpp" "$src/byte_level.cpp" \
  "$src/unicode.cpp" "$src/utf8_stream.cpp" "$src/model.cpp" "$src/mapped_file.cpp" "$src/tensor_format.cpp" \
  "$repo/runtime/model/generation_defaults.cpp" \
  -lutf8proc -o "$work/fuzz_tokenizer" 2> "$work/compile.log" || { cat "$work/compile.log"; exit 1; }
n=0
for source in tokenizers/llama.cpp-vectors/ggml-vocab-gpt-2.gguf tokenizers/qwen2.5 tokenizers/falcon-7b/tokenizer.json \
              tokenizers/llama.cpp-vectors/ggml-vocab-mpt.gguf tokenizers/llama.cpp-vectors/ggml-vocab-phi-3.gguf \
              tokenizers/phi-3-mini-4k-instruct/tokenizer.json models/stories260K/stories260K.gguf; do
  n=$((n + 1))
  "$convert" --tokenizer-only "$shared/$source" -o "$work/tokenizers/$n.sprig" 2> /dev/null || exit 1
done
# Seeds: the conformance texts, once per tokenizer choice.
for i in 0 1 2 3 4 5 6 7; do
  { printf "\\x$(printf %02x $i)"; cat "$shared/eval/multilingual.txt"; } > "$work/corpus/seed_multilingual_$i"
  { printf "\\x$(printf %02x $((i + 128)))"; printf 'hi<|im_end|>\n<|im_start|>system</s>  x'; } > "$work/corpus/seed_special_$i"
done
SPRIG_FUZZ_TOKENIZERS="$work/tokenizers" "$work/fuzz_tokenizer" -max_total_time="$seconds" -max_len=4096 \
  -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" > "$work/fuzz.log" 2>&1
status=$?
tail -n 20 "$work/fuzz.log"
exit $status
