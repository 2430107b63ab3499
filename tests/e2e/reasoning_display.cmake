# sprig chat's reasoning display (--reasoning show|hide) and --json's reasoning_content.
add_executable(test_reasoning_display ${CMAKE_CURRENT_LIST_DIR}/test_reasoning_display.cpp
               ${PROJECT_SOURCE_DIR}/tools/reasoning_json.cpp ${PROJECT_SOURCE_DIR}/tools/json_text.cpp)
target_link_libraries(test_reasoning_display PRIVATE sprig_test_main sprig_arguments)
add_test(NAME reasoning_display COMMAND test_reasoning_display)
