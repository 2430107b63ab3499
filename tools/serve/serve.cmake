# sprig serve: the HTTP server (cpp-httplib from the system) and its chat page, linked into the
# sprig command line. JSON for HTTP bodies is nlohmann-json's; it stays here, never in the runtime.
# A build without them (an ARM sysroot that has only the runtime's libraries) gets a sprig whose
# serve command says what is missing.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(CPP_HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
endif()
find_package(nlohmann_json QUIET)
if(NOT CPP_HTTPLIB_FOUND OR NOT nlohmann_json_FOUND)
  message(STATUS "sprig serve: not built (needs cpp-httplib and nlohmann-json: Debian libcpp-httplib-dev, nlohmann-json3-dev)")
  target_sources(sprig PRIVATE ${CMAKE_CURRENT_LIST_DIR}/serve_unavailable.cpp)
  return()
endif()

# The page, embedded at build time: one static file, no network, no build step of its own.
set(SPRIG_SERVE_PAGE ${CMAKE_CURRENT_LIST_DIR}/page/chat.html)
set(SPRIG_SERVE_PAGE_SOURCE ${CMAKE_BINARY_DIR}/generated/serve_page_data.cpp)
add_custom_command(
  OUTPUT ${SPRIG_SERVE_PAGE_SOURCE}
  COMMAND ${CMAKE_COMMAND} -DINPUT=${SPRIG_SERVE_PAGE} -DOUTPUT=${SPRIG_SERVE_PAGE_SOURCE} -DSYMBOL=kChatPage
          -DNAMESPACE=sprig::serve -P ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake
  DEPENDS ${SPRIG_SERVE_PAGE} ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake
  COMMENT "Embedding the chat page")

# The request parsing alone (no HTTP, no model): the fuzz target and the server share it.
add_library(sprig_serve_requests STATIC ${CMAKE_CURRENT_LIST_DIR}/openai_request.cpp)
target_include_directories(sprig_serve_requests PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(sprig_serve_requests PUBLIC nlohmann_json::nlohmann_json)

add_library(sprig_serve STATIC
  ${CMAKE_CURRENT_LIST_DIR}/serve_command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/http_routes.cpp
  ${CMAKE_CURRENT_LIST_DIR}/generation_routes.cpp
  ${CMAKE_CURRENT_LIST_DIR}/openai_response.cpp
  ${CMAKE_CURRENT_LIST_DIR}/slot.cpp
  ${CMAKE_CURRENT_LIST_DIR}/slot_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/metrics.cpp
  ${SPRIG_SERVE_PAGE_SOURCE})
target_link_libraries(sprig_serve PUBLIC sprig_serve_requests sprig_runtime sprig_arguments PkgConfig::CPP_HTTPLIB)
target_link_libraries(sprig PRIVATE sprig_serve)
