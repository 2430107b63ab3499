# The session: its life and memory plan (session), the forward pass (forward), the arena's layout
# (arena), the KV cache in its three formats (kv_cache), the matrix products (matmul), and saving
# and restoring its state (session_state).
list(APPEND SPRIG_RUNTIME_SOURCES
  runtime/session/session.cpp
  runtime/session/forward.cpp
  runtime/session/arena.cpp
  runtime/session/kv_cache.cpp
  runtime/session/matmul.cpp
  runtime/session/session_state.cpp
)
