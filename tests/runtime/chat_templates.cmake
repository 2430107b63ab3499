# Today's chat templates against python3-jinja2's renderings (tests/reference/template_fixtures).
add_executable(test_chat_templates ${CMAKE_CURRENT_LIST_DIR}/test_chat_templates.cpp)
target_link_libraries(test_chat_templates PRIVATE sprig_test_main sprig_schema)
add_test(NAME chat_templates COMMAND test_chat_templates)
