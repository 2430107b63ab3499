# Hugging Face folders with their own tokenizer files, converted by sprig-convert alone.
add_executable(test_hf_folder_files ${CMAKE_CURRENT_LIST_DIR}/test_hf_folder_files.cpp)
target_link_libraries(test_hf_folder_files PRIVATE sprig_test_main sprig_schema PkgConfig::SENTENCEPIECE)
target_compile_definitions(test_hf_folder_files PRIVATE SPRIG_CONVERT="$<TARGET_FILE:sprig-convert>"
                           SPRIG_BIN="$<TARGET_FILE:sprig>")
add_dependencies(test_hf_folder_files sprig-convert sprig)
add_test(NAME hf_folder_files COMMAND test_hf_folder_files)
