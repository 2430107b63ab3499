# Converter suites added for issue 14 (hardening); included from tests/CMakeLists.txt.
add_executable(test_converter_hardening ${CMAKE_CURRENT_LIST_DIR}/test_converter_hardening.cpp)
target_link_libraries(test_converter_hardening PRIVATE sprig_test_main sprig_schema)
add_test(NAME converter_hardening COMMAND test_converter_hardening)
