# A few seconds of libFuzzer per reader in the suite: fuzz_build makes the clang build of every
# target (ASan + UBSan, its own build folder; ccache keeps later runs short) and the seed
# corpora; each fuzz_<target> then runs 3 seconds. Without clang or the shared data they skip
# with a notice. scripts/fuzz.sh runs them for longer.
set(SPRIG_FUZZ_WORK ${CMAKE_CURRENT_BINARY_DIR}/scratch/fuzz)
add_test(NAME fuzz_build COMMAND ${CMAKE_CURRENT_LIST_DIR}/fuzz.sh prepare ${CMAKE_SOURCE_DIR} ${SPRIG_SHARED_DIR}
         ${SPRIG_FUZZ_WORK} $<TARGET_FILE:sprig-convert>)
set_tests_properties(fuzz_build PROPERTIES FIXTURES_SETUP sprig_fuzz TIMEOUT 1800)
foreach(target gguf hf_folder hf_folder_files tokenizer_json vocab_merges llama2c model_file chat_json session_file tokenizer)
  add_test(NAME fuzz_${target} COMMAND ${CMAKE_CURRENT_LIST_DIR}/fuzz.sh run ${SPRIG_FUZZ_WORK} ${target} 3)
  set_tests_properties(fuzz_${target} PROPERTIES FIXTURES_REQUIRED sprig_fuzz)
endforeach()
