# Android arm64-v8a through the NDK's own toolchain file. Needs ANDROID_NDK (the NDK's folder);
# Android API level 26 or newer for the runtime's mmap and aligned allocation.
if(NOT DEFINED ENV{ANDROID_NDK} AND NOT DEFINED ANDROID_NDK)
  message(FATAL_ERROR "Set ANDROID_NDK to the Android NDK's folder to build for Android")
endif()
if(NOT DEFINED ANDROID_NDK)
  set(ANDROID_NDK $ENV{ANDROID_NDK})
endif()
set(ANDROID_ABI arm64-v8a)
if(NOT DEFINED ANDROID_PLATFORM)
  set(ANDROID_PLATFORM android-26)
endif()
include(${ANDROID_NDK}/build/cmake/android.toolchain.cmake)
# The NDK builds of the libraries (XNNPACK, pthreadpool, cpuinfo, utf8proc: Debian's arm64 packages
# are glibc builds and cannot link into an Android program), installed under SPRIG_SYSROOT.
if(DEFINED SPRIG_SYSROOT)
  list(APPEND CMAKE_FIND_ROOT_PATH ${SPRIG_SYSROOT})
  list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SPRIG_SYSROOT)
endif()
