# 64-bit Raspberry Pi OS and other aarch64 Linux: Debian's g++-aarch64-linux-gnu.
# SPRIG_SYSROOT points at the unpacked arm64 builds of the libraries sprig links.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
if(DEFINED SPRIG_SYSROOT)
  list(APPEND CMAKE_FIND_ROOT_PATH ${SPRIG_SYSROOT})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# The baseline ISA only (Cortex-A72): faster instructions are reached through kernels chosen at run time.
set(CMAKE_CXX_FLAGS_INIT "-march=armv8-a")
set(CMAKE_C_FLAGS_INIT "-march=armv8-a")
