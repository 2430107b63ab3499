# The C API (sprig.h) over the C++ runtime
list(APPEND SPRIG_RUNTIME_SOURCES
  runtime/c_api/c_api.cpp
  runtime/c_api/c_api_model_details.cpp
  runtime/c_api/c_api_session_state.cpp
)
