# 64-bit Raspberry Pi OS and other aarch64 Linux: Debian's g++-aarch64-linux-gnu.
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
# The baseline ISA only (Cortex-A72): faster instructions are reached through kernels chosen at run time.
set(CMAKE_CXX_FLAGS_INIT "-march=armv8-a")
set(CMAKE_C_FLAGS_INIT "-march=armv8-a")
sprig_qemu_emulator(qemu-aarch64 aarch64-linux-gnu)
