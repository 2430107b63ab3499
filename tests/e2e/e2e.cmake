# The end-to-end suites (the programs a user runs); included from tests/CMakeLists.txt.
# Added for issue 14 (hardening):
add_test(NAME cli_hardening COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_hardening_test.sh $<TARGET_FILE:sprig>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/cli_hardening)

# The converter and the runtime together against published outputs and independent references.
foreach(suite golden_outputs reference_logits model_families)
  sprig_test_suite(${suite} e2e)
endforeach()

add_test(NAME cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/cli_test.sh $<TARGET_FILE:sprig> $<TARGET_FILE:sprig-convert>
         ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/cli)
add_test(NAME chat_cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/chat_test.sh $<TARGET_FILE:sprig> $<TARGET_FILE:sprig-convert>
         ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/chat "${SPRIG_PYTHON}")
add_test(NAME perplexity COMMAND ${CMAKE_CURRENT_LIST_DIR}/perplexity_test.sh $<TARGET_FILE:sprig>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/perplexity "${SPRIG_PYTHON}")
add_test(NAME padded_vocab_cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/padded_vocab_test.sh $<TARGET_FILE:sprig>
         $<TARGET_FILE:sprig-convert> ${SPRIG_SHARED_DIR} ${CMAKE_CURRENT_BINARY_DIR}/scratch/padded_vocab "${SPRIG_PYTHON}")
