# The sampler chain's stages and the whole chain against the NumPy reference.
add_executable(test_sampler_chain ${CMAKE_CURRENT_LIST_DIR}/test_sampler_chain.cpp)
target_link_libraries(test_sampler_chain PRIVATE sprig_test_main sprig_schema)
target_include_directories(test_sampler_chain PRIVATE ${CMAKE_SOURCE_DIR}/runtime)
add_test(NAME sampler_chain COMMAND test_sampler_chain)

add_executable(test_stop_strings ${CMAKE_CURRENT_LIST_DIR}/test_stop_strings.cpp)
target_link_libraries(test_stop_strings PRIVATE sprig_test_main sprig_schema)
target_include_directories(test_stop_strings PRIVATE ${CMAKE_SOURCE_DIR}/runtime)
add_test(NAME stop_strings COMMAND test_stop_strings)
