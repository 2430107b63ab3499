# The command line end to end: sampling and seeds, and the options as llama.cpp users type them.
add_test(NAME sampling_cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/sampling_cli_test.sh $<TARGET_FILE:sprig>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/sampling_cli)
add_test(NAME cli_options COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_options_test.sh $<TARGET_FILE:sprig>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/cli_options)
add_test(NAME chat_tmux COMMAND ${CMAKE_CURRENT_LIST_DIR}/chat_tmux_test.sh $<TARGET_FILE:sprig>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/chat_tmux)
add_test(NAME repeat_penalty_cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/repeat_penalty_test.sh $<TARGET_FILE:sprig>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/repeat_penalty)
