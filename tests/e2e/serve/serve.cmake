# sprig serve: the OpenAI client, the fault list, the browser page, and the request fuzzer.
set(SPRIG_SERVE_TESTS ${CMAKE_CURRENT_LIST_DIR})
add_test(NAME serve_openai COMMAND ${SPRIG_SERVE_TESTS}/serve_test.sh $<TARGET_FILE:sprig> $<TARGET_FILE:sprig-convert>
         ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/serve_openai openai)
add_test(NAME serve_faults COMMAND ${SPRIG_SERVE_TESTS}/serve_test.sh $<TARGET_FILE:sprig> $<TARGET_FILE:sprig-convert>
         ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/serve_faults faults)
# The page test keeps its screenshot in the build tree: tests/scratch/serve_page/page/chat_page.png.
add_test(NAME serve_page COMMAND ${SPRIG_SERVE_TESTS}/serve_test.sh $<TARGET_FILE:sprig> $<TARGET_FILE:sprig-convert>
         ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/serve_page page)
set_tests_properties(serve_openai serve_faults serve_page PROPERTIES TIMEOUT 120)
# A few seconds of libFuzzer over the request parsing (its own clang build; skips without clang).
add_test(NAME fuzz_serve_requests COMMAND ${SPRIG_SERVE_TESTS}/fuzz_requests.sh ${CMAKE_SOURCE_DIR}
         ${CMAKE_CURRENT_BINARY_DIR}/scratch/fuzz_serve 5)

# The slot's token path: no heap call per token (the allocation counter replaces malloc, which the
# sanitizers own, so not in sanitizer builds), and prefix reuse bit for bit.
if(NOT SPRIG_SANITIZE AND TARGET sprig_serve)
  add_executable(test_serve_slot ${SPRIG_SERVE_TESTS}/test_slot_allocations.cpp support/allocation_counter.cpp)
  target_link_libraries(test_serve_slot PRIVATE sprig_test_main sprig_serve)
  add_test(NAME serve_slot COMMAND test_serve_slot)
endif()
