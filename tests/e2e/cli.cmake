# The command line end to end: sampling and seeds.
add_test(NAME sampling_cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/sampling_cli_test.sh $<TARGET_FILE:sprig>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/sampling_cli)
