# The converter's suites; included from tests/CMakeLists.txt.
foreach(suite quantize quantized_quality converter_errors tokenizer_sources synthetic)
  sprig_test_suite(${suite} converter)
endforeach()
target_include_directories(test_quantize PRIVATE ${CMAKE_SOURCE_DIR}/runtime)

# Suites added for issue 14 (hardening).
add_executable(test_converter_hardening ${CMAKE_CURRENT_LIST_DIR}/test_converter_hardening.cpp)
target_link_libraries(test_converter_hardening PRIVATE sprig_test_main sprig_schema)
add_test(NAME converter_hardening COMMAND test_converter_hardening)
