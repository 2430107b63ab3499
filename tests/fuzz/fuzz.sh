#!/usr/bin/env bash
# The fuzz targets' build, seed corpora and runs, shared by ctest (a few seconds per target) and
# scripts/fuzz.sh (long runs).
#   fuzz.sh prepare REPO SHARED WORK CONVERT   clang build of every target in WORK/build and seed
#                                              corpora in WORK/seeds (from SHARED, made now)
#   fuzz.sh run WORK TARGET SECONDS [JOBS]     fuzzes TARGET over WORK/corpus/TARGET (seeds plus
#                                              what earlier runs found); findings go to
#                                              WORK/findings/TARGET-*, the log to WORK/TARGET.log.
#                                              JOBS > 0: that many forked workers, going on
#                                              after a finding (long runs)
# Without clang or without the shared data, prints a NOTICE and exits 0 (ctest shows it).
# Bounds: -rss_limit_mb=2048 and -malloc_limit_mb=1024 (no reader may take more for one input),
# -timeout=10 seconds per input.
set -u
here=$(cd "$(dirname "$0")" && pwd)
targets="gguf hf_folder hf_folder_files tokenizer_json vocab_merges llama2c model_file chat_json session_file tokenizer"

prepare() {
  local repo=$1 shared=$2 work=$3 convert=$4
  if ! command -v clang++ > /dev/null; then
    echo "NOTICE: skipped fuzzing: clang++ not found (Debian: clang, libclang-rt-14-dev)"; return 0
  fi
  if [ ! -d "$shared/tokenizers" ] || [ ! -d "$shared/models/stories260K" ]; then
    echo "NOTICE: skipped fuzzing: shared test data not found at $shared"; return 0
  fi
  mkdir -p "$work" && rm -f "$work/prepared"
  local launcher=()
  command -v ccache > /dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S "$repo" -B "$work/build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DSPRIG_FUZZ=ON \
    -DSPRIG_SANITIZE=ON -DSPRIG_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" \
    > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; return 1; }
  cmake --build "$work/build" -j"${SPRIG_FUZZ_BUILD_JOBS:-2}" --target sprig_fuzzers > "$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log"; return 1; }

  local seeds=$work/seeds
  rm -rf "$seeds" && mkdir -p "$seeds"/{gguf,hf_folder_files,llama2c,model_file,session_file,tokenizer} "$work/tokenizers"
  python3 "$here/make_seeds.py" "$shared" "$seeds" || return 1
  local models=$shared/models
  cp "$models/stories260K/stories260K.gguf" "$models/stories260K-chat/stories260K-chat.gguf" \
     "$shared/tokenizers/llama.cpp-vectors/ggml-vocab-phi-3.gguf" "$seeds/gguf/"
  { printf '\x00'; cat "$models/stories260K/stories260K.bin"; } > "$seeds/llama2c/checkpoint"
  { printf '\x01'; cat "$models/stories260K/tok512.bin"; } > "$seeds/llama2c/tokenizer"
  convert() { "$convert" "$@" > "$work/convert.log" 2>&1 || { cat "$work/convert.log"; return 1; }; }
  convert "$models/stories260K/stories260K.bin" --tokenizer "$models/stories260K/tok512.bin" \
    -o "$seeds/model_file/stories260K.sprig" || return 1
  convert "$models/stories260K-chat/stories260K-chat.gguf" --quant q4 -o "$seeds/model_file/chat-q4.sprig" || return 1
  convert --tokenizer-only "$models/stories260K/tok512.bin" -o "$seeds/model_file/tok512.sprig" || return 1
  cp "$seeds/model_file/stories260K.sprig" "$work/session-model.sprig"
  SPRIG_FUZZ_MODEL="$work/session-model.sprig" SPRIG_FUZZ_SESSION_SEED="$seeds/session_file/four-tokens" \
    "$work/build/fuzz_session_file" -runs=0 > /dev/null 2>&1 || { echo "cannot write the session seed"; return 1; }
  # The tokenizer target's vocabularies (one per kind of tokenizer) and its seeds: the
  # conformance texts, once per tokenizer choice.
  local n=0 source
  for source in tokenizers/llama.cpp-vectors/ggml-vocab-gpt-2.gguf tokenizers/qwen2.5 tokenizers/falcon-7b/tokenizer.json \
                tokenizers/llama.cpp-vectors/ggml-vocab-mpt.gguf tokenizers/llama.cpp-vectors/ggml-vocab-phi-3.gguf \
                tokenizers/phi-3-mini-4k-instruct/tokenizer.json models/stories260K/stories260K.gguf; do
    n=$((n + 1))
    [ -f "$work/tokenizers/$n.sprig" ] || convert --tokenizer-only "$shared/$source" -o "$work/tokenizers/$n.sprig" || return 1
  done
  for i in 0 1 2 3 4 5 6 7; do
    { printf "\\x$(printf %02x $i)"; cat "$shared/eval/multilingual.txt"; } > "$seeds/tokenizer/multilingual_$i"
    { printf "\\x$(printf %02x $((i + 128)))"; printf 'hi<|im_end|>\n<|im_start|>system</s>  x'; } > "$seeds/tokenizer/special_$i"
  done
  # The HF folder files: the first byte picks the file (0 generation_config.json,
  # 1 special_tokens_map.json, 2 tokenizer.model).
  { printf '\x00'; printf '{"eos_token_id": [8, 7], "do_sample": true, "temperature": 0.6, "top_p": 0.95, "top_k": 20}'; } \
    > "$seeds/hf_folder_files/generation"
  { printf '\x01'; printf '{"bos_token": "<s>", "eos_token": {"content": "</s>", "lstrip": false}}'; } \
    > "$seeds/hf_folder_files/special"
  for model in "$shared"/models/*/tokenizer.model "$shared"/tokenizers/*/tokenizer.model; do
    [ -f "$model" ] || continue
    { printf '\x02'; cat "$model"; } > "$seeds/hf_folder_files/spm_$(basename "$(dirname "$model")")"
  done
  touch "$work/prepared"
}

run() {
  local work=$1 target=$2 seconds=$3 jobs=${4:-0}
  [ -f "$work/prepared" ] || { echo "NOTICE: skipped fuzz_$target: the fuzz build was not prepared (see fuzz_build)"; return 0; }
  local corpus=$work/corpus/$target max_len=65536
  mkdir -p "$corpus" "$work/findings"
  cp -n "$work/seeds/$target"/* "$corpus/" 2> /dev/null
  case $target in gguf | llama2c | model_file | session_file) max_len=1300000 ;; esac
  local options=(-max_total_time="$seconds" -max_len=$max_len -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10
                 -print_final_stats=1 -dict="$here/dictionaries/$target.dict" -artifact_prefix="$work/findings/$target-")
  # Long runs fork JOBS workers and carry on after a finding (each is kept in WORK/findings).
  [ "$jobs" -gt 0 ] && options+=(-fork="$jobs" -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
  SPRIG_FUZZ_TOKENIZERS="$work/tokenizers" SPRIG_FUZZ_MODEL="$work/session-model.sprig" \
    "$work/build/fuzz_$target" "${options[@]}" "$corpus" > "$work/$target.log" 2>&1
  local status=$?
  grep -E "^(stat::|Done|#[0-9]+ +DONE)|ERROR|SUMMARY|fuzz property|==[0-9]+==|runtime error" "$work/$target.log" | tail -n 15
  # Fork mode's progress lines: the last one has the totals.
  grep -E "^#[0-9]+: cov:" "$work/$target.log" | tail -n 1
  return $status
}

case ${1:-} in
  prepare) shift; prepare "$@" ;;
  run) shift; run "$@" ;;
  targets) echo $targets ;;
  *) echo "usage: fuzz.sh prepare REPO SHARED WORK CONVERT | run WORK TARGET SECONDS [JOBS] | targets" >&2; exit 2 ;;
esac
