# The C API's prefix reuse (sprig_session_truncate) and cancellation, compiled as C11.
add_executable(test_c_api_prefix ${CMAKE_CURRENT_LIST_DIR}/test_c_api_prefix.c)
set_target_properties(test_c_api_prefix PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON LINKER_LANGUAGE CXX)
target_compile_options(test_c_api_prefix PRIVATE -Wpedantic)
target_link_libraries(test_c_api_prefix PRIVATE sprig_runtime Threads::Threads)
add_test(NAME c_api_prefix COMMAND ${CMAKE_CURRENT_LIST_DIR}/c_api/c_api_test.sh $<TARGET_FILE:test_c_api_prefix>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/c_api_prefix)
