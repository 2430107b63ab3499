# The converter's suites; included from tests/CMakeLists.txt.
foreach(suite quantize quantized_quality converter_errors tokenizer_sources synthetic)
  sprig_test_suite(${suite} converter)
endforeach()
target_include_directories(test_quantize PRIVATE ${CMAKE_SOURCE_DIR}/runtime)

# Suites added for issue 14 (hardening).
add_executable(test_converter_hardening ${CMAKE_CURRENT_LIST_DIR}/test_converter_hardening.cpp)
target_link_libraries(test_converter_hardening PRIVATE sprig_test_main sprig_schema)
add_test(NAME converter_hardening COMMAND test_converter_hardening)

# The GGUF reader's memory bound; the allocation counter replaces malloc, which sanitizers own.
add_executable(test_gguf_memory_bound ${CMAKE_CURRENT_LIST_DIR}/test_gguf_memory_bound.cpp)
target_link_libraries(test_gguf_memory_bound PRIVATE sprig_test_main sprig_schema)
target_include_directories(test_gguf_memory_bound PRIVATE ${CMAKE_SOURCE_DIR}/tests/support)
if(SPRIG_SANITIZE)
  target_compile_definitions(test_gguf_memory_bound PRIVATE SPRIG_NO_ALLOCATION_COUNTER)
else()
  target_sources(test_gguf_memory_bound PRIVATE ${CMAKE_SOURCE_DIR}/tests/support/allocation_counter.cpp)
endif()
add_test(NAME converter_gguf_memory_bound COMMAND test_gguf_memory_bound)
