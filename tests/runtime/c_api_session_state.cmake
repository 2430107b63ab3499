# sprig_session_save / sprig_session_load, compiled as C11 against the one public header (run on
# the bindings test's models by its script).
add_executable(test_c_api_session_state ${CMAKE_CURRENT_LIST_DIR}/test_c_api_session_state.c)
set_target_properties(test_c_api_session_state PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON LINKER_LANGUAGE CXX)
target_compile_options(test_c_api_session_state PRIVATE -Wpedantic)
target_link_libraries(test_c_api_session_state PRIVATE sprig_runtime Threads::Threads)
add_test(NAME c_api_session_state COMMAND ${CMAKE_CURRENT_LIST_DIR}/c_api_bindings_test.sh
         $<TARGET_FILE:test_c_api_session_state> $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR}
         ${CMAKE_CURRENT_BINARY_DIR}/scratch/c_api_session_state)
