# Quantized GGUF files converted with the defaults keep their bits.
add_executable(test_gguf_kept_types ${CMAKE_CURRENT_LIST_DIR}/test_gguf_kept_types.cpp)
target_link_libraries(test_gguf_kept_types PRIVATE sprig_test_main sprig_schema)
target_compile_definitions(test_gguf_kept_types PRIVATE SPRIG_CONVERT="$<TARGET_FILE:sprig-convert>")
add_dependencies(test_gguf_kept_types sprig-convert)
add_test(NAME gguf_kept_types COMMAND test_gguf_kept_types)
