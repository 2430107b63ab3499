# sprig chat --date and --think against python3-jinja2's prompts (tests/reference/template_fixtures).
add_test(NAME chat_render_options
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/chat_render_options_test.sh $<TARGET_FILE:sprig> $<TARGET_FILE:sprig-convert>
                 ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/chat_render_options "${SPRIG_PYTHON}")
