# Shared by the Linux cross toolchains: search the target sysroot for libraries and headers,
# the host for programs. SPRIG_SYSROOT points at the unpacked ARM builds of the libraries
# (scripts/arm_sysroot.sh makes one).
set(CMAKE_SYSTEM_NAME Linux)
if(DEFINED SPRIG_SYSROOT)
  list(APPEND CMAKE_FIND_ROOT_PATH ${SPRIG_SYSROOT})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# The toolchain file is read again by try_compile projects: pass the sysroot on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SPRIG_SYSROOT)

# Tests run under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR prefixes every test command):
# -L gives the target's dynamic loader and C/C++ libraries (installed with the cross compiler),
# LD_LIBRARY_PATH the sysroot's. The CPU model comes from QEMU_CPU, set per test, so one build
# runs on several CPUs.
macro(sprig_qemu_emulator qemu triple)
  find_program(SPRIG_QEMU ${qemu})
  if(SPRIG_QEMU AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${SPRIG_QEMU} -L /usr/${triple})
    if(DEFINED SPRIG_SYSROOT)
      list(APPEND CMAKE_CROSSCOMPILING_EMULATOR -E LD_LIBRARY_PATH=${SPRIG_SYSROOT}/usr/lib/${triple})
    endif()
  endif()
endmacro()
