# Shared by the Linux cross toolchains: search the target sysroot for libraries and headers,
# the host for programs. SPRIG_SYSROOT points at the unpacked ARM builds of the libraries.
set(CMAKE_SYSTEM_NAME Linux)
if(DEFINED SPRIG_SYSROOT)
  list(APPEND CMAKE_FIND_ROOT_PATH ${SPRIG_SYSROOT})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
