# Optional matmul backends behind the session's matmul interface (XNNPACK)
list(APPEND SPRIG_RUNTIME_SOURCES
  runtime/backends/xnnpack_backend.cpp
)
