# The mapped .sprig file, its verification, tensor formats and the per-family math
list(APPEND SPRIG_RUNTIME_SOURCES
  runtime/model/family_math.cpp
  runtime/model/mapped_file.cpp
  runtime/model/model.cpp
  runtime/model/tensor_format.cpp
  runtime/model/generation_defaults.cpp
)
