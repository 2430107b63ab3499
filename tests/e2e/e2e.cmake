# CLI suites added for issue 14 (hardening); included from tests/CMakeLists.txt.
add_test(NAME cli_hardening COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_hardening_test.sh $<TARGET_FILE:sprig>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/cli_hardening)
