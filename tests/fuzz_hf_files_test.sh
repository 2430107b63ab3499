#!/usr/bin/env bash
# Builds the fuzzer of the Hugging Face folder files (generation_config.json,
# special_tokens_map.json, tokenizer.model) with clang (libFuzzer + AddressSanitizer + UBSan) and
# runs it for a few seconds from seeds of real files. Without clang or libsentencepiece it prints a
# skip notice. For a long run:
#   tests/fuzz_hf_files_test.sh REPO GENERATED_DIR ../shared build/fuzz-hf 600
set -u
repo=$1 generated=$2 shared=$3 work=$4 seconds=${5:-5}
if ! command -v clang++ > /dev/null; then
  echo "NOTICE: skipped HF folder file fuzzing: clang++ not found (Debian: clang, libclang-rt-14-dev)"
  exit 0
fi
if ! pkg-config --exists sentencepiece; then
  echo "NOTICE: skipped HF folder file fuzzing: libsentencepiece not found (Debian: libsentencepiece-dev)"
  exit 0
fi
mkdir -p "$work/objects" "$work/corpus"
c=$repo/converter
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
       -I"$repo/runtime/include" -I"$repo/runtime/src" -I"$c" -I"$generated" $(pkg-config --cflags sentencepiece))
sources=("$repo/tests/fuzz/fuzz_hf_folder_files.cpp" "$c/hf_folder_tokenizer.cpp" "$c/read_generation_config.cpp"
         "$c/read_sentencepiece_model.cpp" "$c/read_vocab_merges.cpp" "$c/read_tokenizer_json.cpp"
         "$c/tokenizer_config.cpp" "$c/read_tokenizer_source.cpp" "$c/byte_level_patterns.cpp"
         "$c/tokenizer_merges.cpp" "$c/gguf_file.cpp" "$c/read_gguf_tokenizer.cpp" "$c/read_llama2c.cpp"
         "$c/element_types.cpp" "$c/gguf_quants.cpp" "$repo/runtime/src/mapped_file.cpp")
# Two compilers at a time.
rm -f "$work"/objects/*.o "$work/compile.log"
printf '%s\n' "${sources[@]}" | xargs -P 2 -I{} sh -c '
  clang++ "$@" -c {} -o "$0/objects/$(basename {} .cpp).o" 2>> "$0/compile.log" || { echo "compile failed: {}"; exit 255; }' \
  "$work" "${flags[@]}" || { cat "$work/compile.log"; exit 1; }
clang++ -fsanitize=fuzzer,address,undefined "$work"/objects/*.o $(pkg-config --libs sentencepiece) \
  -o "$work/fuzz_hf_folder_files" 2>> "$work/compile.log" || { cat "$work/compile.log"; exit 1; }
# Seeds: the first byte picks the file (0 generation_config.json, 1 special_tokens_map.json,
# 2 tokenizer.model).
{ printf '\x00'; printf '{"eos_token_id": [8, 7], "do_sample": true, "temperature": 0.6, "top_p": 0.95, "top_k": 20}'; } > "$work/corpus/generation"
{ printf '\x01'; printf '{"bos_token": "<s>", "eos_token": {"content": "</s>", "lstrip": false}}'; } > "$work/corpus/special"
for model in "$shared"/models/*/tokenizer.model "$shared"/tokenizers/*/tokenizer.model; do
  [ -f "$model" ] || continue
  { printf '\x02'; cat "$model"; } > "$work/corpus/spm_$(basename "$(dirname "$model")")"
done
"$work/fuzz_hf_folder_files" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -malloc_limit_mb=512 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" > "$work/fuzz.log" 2>&1
status=$?
tail -n 12 "$work/fuzz.log"
exit $status
