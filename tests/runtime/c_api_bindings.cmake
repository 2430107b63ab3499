# The C API's bindings block (model details, tokenizing without a session, token bytes), compiled
# as C11 against the one public header.
add_executable(test_c_api_bindings ${CMAKE_CURRENT_LIST_DIR}/test_c_api_bindings.c)
set_target_properties(test_c_api_bindings PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON LINKER_LANGUAGE CXX)
target_compile_options(test_c_api_bindings PRIVATE -Wpedantic)
target_link_libraries(test_c_api_bindings PRIVATE sprig_runtime Threads::Threads)
add_test(NAME c_api_bindings COMMAND ${CMAKE_CURRENT_LIST_DIR}/c_api_bindings_test.sh
         $<TARGET_FILE:test_c_api_bindings> $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR}
         ${CMAKE_CURRENT_BINARY_DIR}/scratch/c_api_bindings)
