# JUnit 4 tests of the Java API (platforms/android) on the host JVM, with -Xcheck:jni. The ASan
# build runs the same classes with the sanitizer runtime preloaded into the JVM; the Release build
# adds a run with the allocation counter preloaded.
# A few seconds of libFuzzer over the JNI text conversion (its own clang build; needs no JDK).
add_test(NAME fuzz_jni_text COMMAND ${CMAKE_CURRENT_LIST_DIR}/fuzz_jni_text_test.sh ${CMAKE_SOURCE_DIR}
         ${CMAKE_CURRENT_BINARY_DIR}/scratch/fuzz_jni_text 3)

if(NOT SPRIG_JAVA_FOUND)
  return()
endif()
find_jar(JUNIT4_JAR NAMES junit4 junit PATHS /usr/share/java)
find_jar(HAMCREST_JAR NAMES hamcrest-core hamcrest PATHS /usr/share/java)
if(NOT JUNIT4_JAR OR NOT HAMCREST_JAR)
  message(STATUS "sprig Java tests: skipped (no JUnit 4; Debian: junit4)")
  return()
endif()

set(java_test_dir ${CMAKE_CURRENT_LIST_DIR})
file(GLOB java_test_sources ${java_test_dir}/org/sprig/test/*.java)
add_jar(sprig_java_tests SOURCES ${java_test_sources} INCLUDE_JARS sprig_java ${JUNIT4_JAR})
get_target_property(sprig_jar sprig_java JAR_FILE)
get_target_property(sprig_tests_jar sprig_java_tests JAR_FILE)
set(java_classpath "${sprig_tests_jar}:${sprig_jar}:${JUNIT4_JAR}:${HAMCREST_JAR}")
set(java_models ${CMAKE_CURRENT_BINARY_DIR}/scratch/java)

add_test(NAME java_models COMMAND ${java_test_dir}/make_java_models.sh $<TARGET_FILE:sprig-convert>
         ${SPRIG_SHARED_DIR} ${java_models})
set_tests_properties(java_models PROPERTIES FIXTURES_SETUP java_models)

set(java_preload "")
if(SPRIG_SANITIZE)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libasan.so
                  OUTPUT_VARIABLE asan OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libubsan.so
                  OUTPUT_VARIABLE ubsan OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(java_preload "${asan}:${ubsan}")
endif()

foreach(suite Generate Chat Text Errors Sampling SessionState)
  string(TOLOWER ${suite} name)
  add_test(NAME java_${name} COMMAND ${java_test_dir}/run_java_test.sh ${Java_JAVA_EXECUTABLE} ${java_classpath}
           $<TARGET_FILE:sprig_jni> $<TARGET_FILE:sprig> ${java_models} "${java_preload}" org.sprig.test.${suite}Test)
  set_tests_properties(java_${name} PROPERTIES FIXTURES_REQUIRED java_models)
endforeach()

# The memory test: the allocation counter preloaded into the JVM (it replaces malloc and
# operator new, which the sanitizers own, so not in a sanitizer build).
if(NOT SPRIG_SANITIZE)
  add_library(sprig_allocation_counter SHARED ${CMAKE_CURRENT_SOURCE_DIR}/support/allocation_counter.cpp)
  target_include_directories(sprig_allocation_counter PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/support)
  # A preloaded library's thread-locals sit in the static TLS block: reading them never allocates.
  target_compile_options(sprig_allocation_counter PRIVATE -ftls-model=initial-exec)
  add_library(sprig_allocation_probe SHARED ${java_test_dir}/allocation_probe.cpp)
  target_include_directories(sprig_allocation_probe PRIVATE ${JNI_INCLUDE_DIRS})
  target_link_libraries(sprig_allocation_probe PRIVATE sprig_allocation_counter)
  add_test(NAME java_memory COMMAND ${java_test_dir}/run_java_test.sh ${Java_JAVA_EXECUTABLE} ${java_classpath}
           $<TARGET_FILE:sprig_jni> $<TARGET_FILE:sprig> ${java_models} $<TARGET_FILE:sprig_allocation_counter>
           org.sprig.test.MemoryTest -Dsprig.test.probe=$<TARGET_FILE:sprig_allocation_probe>)
  set_tests_properties(java_memory PROPERTIES FIXTURES_REQUIRED java_models)
endif()
