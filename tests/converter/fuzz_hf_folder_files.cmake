# libFuzzer over generation_config.json, special_tokens_map.json and tokenizer.model (clang only).
add_test(NAME fuzz_hf_folder_files COMMAND ${CMAKE_CURRENT_LIST_DIR}/../fuzz_hf_files_test.sh ${CMAKE_SOURCE_DIR}
         ${SPRIG_GENERATED_DIR} ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/fuzz_hf_folder_files 5)
