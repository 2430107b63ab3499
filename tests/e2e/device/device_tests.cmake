# The suites that run on the device itself: what a cross build (no converter) compiles and runs,
# natively on a Pi or, on a workstation, under qemu-user through CMAKE_CROSSCOMPILING_EMULATOR.
# SPRIG_TEST_CPUS lists qemu CPU models, each with the kernel set it must select (cpu=set); every
# suite then runs once per CPU model, and the kernel suites assert the selected set's name.
set(SPRIG_TEST_CPUS "" CACHE STRING "qemu CPU models and the kernel set each selects: cortex-a72=arm_neon;max=arm_i8mm")
set(SPRIG_HOST_BUILD "" CACHE PATH "A host build of sprig (sprig-convert and sprig): makes the files the device tests read")

find_path(NLOHMANN_JSON_INCLUDE_DIR nlohmann/json.hpp REQUIRED)
set(tests ${CMAKE_CURRENT_SOURCE_DIR})
add_library(sprig_device_test_main STATIC ${tests}/support/test_main.cpp)
target_include_directories(sprig_device_test_main PUBLIC ${DOCTEST_INCLUDE_DIR} ${tests}/support)
target_link_libraries(sprig_device_test_main PUBLIC sprig_runtime)

# Each suite with the folder it lives in: the kernels' suites are the runtime's own.
set(device_suites kernels kernel_sets kernel_selection golden_device)
foreach(suite kernels kernel_sets kernel_selection)
  add_executable(test_${suite} ${tests}/runtime/kernels/test_${suite}.cpp)
  target_include_directories(test_${suite} PRIVATE ${CMAKE_SOURCE_DIR}/runtime)
endforeach()
add_executable(test_golden_device ${CMAKE_CURRENT_LIST_DIR}/test_golden_device.cpp)
foreach(suite ${device_suites})
  target_link_libraries(test_${suite} PRIVATE sprig_device_test_main)
endforeach()
target_compile_definitions(test_golden_device PRIVATE SPRIG_SHARED_DIR="${SPRIG_SHARED_DIR}")
target_include_directories(test_golden_device PRIVATE ${NLOHMANN_JSON_INCLUDE_DIR})

# Models are converted on the host, as for a real device, and the host's completions recorded.
set(device_models ${CMAKE_CURRENT_BINARY_DIR}/scratch/device_models)
if(SPRIG_HOST_BUILD)
  add_test(NAME device_models COMMAND ${CMAKE_CURRENT_LIST_DIR}/make_device_models.sh ${SPRIG_HOST_BUILD}
           ${SPRIG_SHARED_DIR} ${device_models})
  set_tests_properties(device_models PROPERTIES FIXTURES_SETUP device_models)
endif()

if(SPRIG_TEST_CPUS)
  set(cpu_runs ${SPRIG_TEST_CPUS})
else()
  set(cpu_runs "native=")
endif()
foreach(cpu_run ${cpu_runs})
  string(REPLACE "=" ";" cpu_and_set "${cpu_run}")
  list(GET cpu_and_set 0 cpu)
  list(LENGTH cpu_and_set parts)
  set(expected_set "")
  if(parts GREATER 1)
    list(GET cpu_and_set 1 expected_set)
  endif()
  foreach(suite ${device_suites})
    set(name ${suite}@${cpu})
    add_test(NAME ${name} COMMAND test_${suite})
    set(environment "SPRIG_EXPECT_KERNELS=${expected_set}" "SPRIG_DEVICE_MODELS=${device_models}")
    if(NOT cpu STREQUAL "native")
      list(APPEND environment "QEMU_CPU=${cpu}")
    endif()
    set_tests_properties(${name} PROPERTIES ENVIRONMENT "${environment}")
  endforeach()
  if(SPRIG_HOST_BUILD)
    set_tests_properties(golden_device@${cpu} PROPERTIES FIXTURES_REQUIRED device_models)
  endif()
endforeach()

# A host-side check of the aarch64 library's objects (no emulator: nm is the cross binutils').
if(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64" AND SPRIG_SIMD_KERNELS)
  add_test(NAME isa_objects_private COMMAND ${tests}/runtime/kernels/isa_objects_test.sh ${CMAKE_NM}
           $<TARGET_OBJECTS:sprig_runtime>)
endif()

# What a cross build compiles for the test runs, and no more (scripts/test_arm.sh builds this).
add_custom_target(sprig_device_tests)
foreach(suite ${device_suites})
  add_dependencies(sprig_device_tests test_${suite})
endforeach()
