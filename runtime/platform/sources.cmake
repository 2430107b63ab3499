# What the CPU can do
list(APPEND SPRIG_RUNTIME_SOURCES
  runtime/platform/cpu_features.cpp
)
