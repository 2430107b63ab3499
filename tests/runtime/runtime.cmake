# The runtime's suites, one folder per concept of runtime/ (docs/architecture.md); included from
# tests/CMakeLists.txt. The private headers a suite reads are named by their folder under runtime/.
sprig_test_suite(half runtime/model)
sprig_test_suite(model_file runtime/model)
sprig_test_suite(family_math runtime/model)
target_include_directories(test_family_math PRIVATE ${CMAKE_SOURCE_DIR}/runtime)

sprig_test_suite(kernels runtime/kernels)
sprig_test_suite(kernel_sets runtime/kernels)
sprig_test_suite(kernel_session runtime/kernels)
# The kernel tests use XNNPACK's f32 GEMM as an oracle.
target_include_directories(test_kernel_sets PRIVATE ${XNNPACK_INCLUDE_DIR})
foreach(suite kernels kernel_sets kernel_session)
  target_include_directories(test_${suite} PRIVATE ${CMAKE_SOURCE_DIR}/runtime)
endforeach()
# The kernel objects built with ISA flags share no code with the rest of the program.
if(SPRIG_SIMD_KERNELS AND NOT SPRIG_SANITIZE AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  add_test(NAME isa_objects_private COMMAND ${CMAKE_CURRENT_LIST_DIR}/kernels/isa_objects_test.sh ${CMAKE_NM}
           $<TARGET_OBJECTS:sprig_runtime>)
endif()

sprig_test_suite(session runtime/session)
# The allocation interposer replaces malloc and operator new, which the sanitizers own.
if(NOT SPRIG_SANITIZE)
  add_executable(test_allocations ${CMAKE_CURRENT_LIST_DIR}/session/test_allocations.cpp
                 ${CMAKE_CURRENT_SOURCE_DIR}/support/allocation_counter.cpp)
  target_link_libraries(test_allocations PRIVATE sprig_test_main)
  add_test(NAME allocations COMMAND test_allocations)
endif()

# The XNNPACK backend: its suite reads the backend's private header and calls XNNPACK directly.
sprig_test_suite(xnnpack_backend runtime/backends)
target_include_directories(test_xnnpack_backend PRIVATE ${XNNPACK_INCLUDE_DIR} ${CMAKE_SOURCE_DIR}/runtime)

sprig_test_suite(tokenizer runtime/tokenizer)
sprig_test_suite(tokenizer_vectors runtime/tokenizer)
sprig_test_suite(utf8_stream runtime/tokenizer)
# The split patterns are internal to the runtime; their suite reads the private header.
sprig_test_suite(pretokenizer runtime/tokenizer)
target_include_directories(test_pretokenizer PRIVATE ${CMAKE_SOURCE_DIR}/runtime/tokenizer)

sprig_test_suite(sampler runtime/generate)

sprig_test_suite(chat runtime/chat)
sprig_test_suite(chat_format runtime/chat)
# The chat's JSON reader and writer (messages in, replies out): round trips, escapes and bounds.
add_executable(test_chat_json ${CMAKE_CURRENT_LIST_DIR}/chat/chat_json.cpp)
target_link_libraries(test_chat_json PRIVATE sprig_test_main)
add_test(NAME chat_json COMMAND test_chat_json)

# The C API, compiled as C (C11) against the one public header, driven by a script that
# converts the models it reads.
foreach(suite c_api c_api_chat)
  add_executable(test_${suite} ${CMAKE_CURRENT_LIST_DIR}/c_api/test_${suite}.c)
  set_target_properties(test_${suite} PROPERTIES C_STANDARD 11 C_STANDARD_REQUIRED ON LINKER_LANGUAGE CXX)
  target_compile_options(test_${suite} PRIVATE -Wpedantic)
  target_link_libraries(test_${suite} PRIVATE sprig_runtime Threads::Threads)
  add_test(NAME ${suite} COMMAND ${CMAKE_CURRENT_LIST_DIR}/c_api/${suite}_test.sh $<TARGET_FILE:test_${suite}>
           $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/${suite})
endforeach()

# Suites added for issue 14 (hardening).
add_executable(test_runtime_hardening ${CMAKE_CURRENT_LIST_DIR}/test_runtime_hardening.cpp)
target_link_libraries(test_runtime_hardening PRIVATE sprig_test_main sprig_schema)
add_test(NAME runtime_hardening COMMAND test_runtime_hardening)
