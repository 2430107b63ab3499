# 32-bit Raspberry Pi OS (armv7 with NEON): Debian's g++-arm-linux-gnueabihf.
include(${CMAKE_CURRENT_LIST_DIR}/linux-cross.cmake)
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(CMAKE_LIBRARY_ARCHITECTURE arm-linux-gnueabihf)
set(CMAKE_C_COMPILER arm-linux-gnueabihf-gcc)
set(CMAKE_CXX_COMPILER arm-linux-gnueabihf-g++)
# Every Pi that runs 32-bit Raspberry Pi OS from the Pi 2 on has NEON (armv7-a, vfpv4).
# -Wno-psabi: GCC notes that GCC 7.1 changed how some arguments are passed; nothing here mixes compilers.
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard -Wno-psabi")
set(CMAKE_C_FLAGS_INIT "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard")
sprig_qemu_emulator(qemu-arm arm-linux-gnueabihf)
