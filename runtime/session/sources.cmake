# The session: forward pass, arena plan, KV cache, matmul dispatch
list(APPEND SPRIG_RUNTIME_SOURCES
  runtime/session/session.cpp
  runtime/session/session_state.cpp
)
