# Sampling and the decode loop
list(APPEND SPRIG_RUNTIME_SOURCES
  runtime/generate/generate.cpp
  runtime/generate/sampler.cpp
  runtime/generate/sampling_stages.cpp
  runtime/generate/stop_strings.cpp
)
