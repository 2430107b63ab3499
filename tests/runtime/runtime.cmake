# Runtime suites added for issue 14 (hardening); included from tests/CMakeLists.txt.
add_executable(test_runtime_hardening ${CMAKE_CURRENT_LIST_DIR}/test_runtime_hardening.cpp)
target_link_libraries(test_runtime_hardening PRIVATE sprig_test_main sprig_schema)
add_test(NAME runtime_hardening COMMAND test_runtime_hardening)
