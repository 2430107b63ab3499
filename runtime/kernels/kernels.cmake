# The kernel sets compiled for the target architecture. Only the files of a set get its ISA flags:
# GCC vectorizes ordinary loops into whatever the flags allow, so flags on the whole program would
# put those instructions where the runtime's CPU check cannot guard them.
#
# sprig_kernel_set(NAME FLAGS SOURCES...): adds the sources to sprig_runtime with FLAGS, and
# defines SPRIG_KERNEL_SET_<NAME> for kernel_registry.cpp (see kernel_set.h for the three steps).

set(SPRIG_KERNEL_SOURCES
  runtime/kernels/kernel_registry.cpp
  runtime/kernels/scalar/matvec.cpp
  runtime/kernels/scalar/elementwise.cpp
  runtime/kernels/scalar/quantized.cpp
  runtime/kernels/scalar/attention.cpp
  runtime/kernels/scalar/scalar_set.cpp)
set(SPRIG_KERNEL_SET_DEFINITIONS "")
# The scalar reference is the bit-exact target of the quantized SIMD kernels: no FMA contraction
# (AArch64 compilers contract by default), so it rounds the same way on every architecture.
set_source_files_properties(runtime/kernels/scalar/quantized.cpp runtime/kernels/scalar/scalar_set.cpp
  runtime/kernels/scalar/attention.cpp runtime/kernels/scalar/elementwise.cpp PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")

option(SPRIG_SIMD_KERNELS "Build the SIMD kernel sets for the target architecture" ON)

macro(sprig_kernel_set name flags)
  set(_sources ${ARGN})
  set_source_files_properties(${_sources} PROPERTIES COMPILE_OPTIONS "${flags}")
  list(APPEND SPRIG_KERNEL_SOURCES ${_sources})
  list(APPEND SPRIG_KERNEL_SET_DEFINITIONS SPRIG_KERNEL_SET_${name})
endmacro()

if(SPRIG_SIMD_KERNELS)
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
    # Contraction off: a tile shape must not change how a product is rounded, so prefill (2x4
    # tiles) and decode (4x1) give the same bits; the FMAs that are wanted are written out.
    set(_avx2 "-mavx2;-mfma;-mf16c;-ffp-contract=off")
    sprig_kernel_set(x86_avx2 "${_avx2}" runtime/kernels/x86/avx2/kernels_avx2.cpp)
    sprig_kernel_set(x86_avxvnni "${_avx2};-mavxvnni" runtime/kernels/x86/avxvnni/kernels_avxvnni.cpp)
    sprig_kernel_set(x86_avx512vnni "${_avx2};-mavx512f;-mavx512bw;-mavx512vl;-mavx512vnni"
      runtime/kernels/x86/avx512vnni/kernels_avx512vnni.cpp)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    # NEON is part of armv8-a: the baseline flags build it. GCC's arm_neon.h offers SDOT and SMMLA
    # only from armv8.2-a, which also allows LSE atomics and FP16 arithmetic in these files: their
    # shared code has internal linkage, so the linker cannot share it with the rest of the program
    # (see runtime/kernels/arm/quantized_arm.inl), and the -cpu cortex-a72 qemu run checks for SIGILL.
    # One file per set: it includes the shared bodies (arm/*.inl) under its own flags.
    sprig_kernel_set(arm_neon "" runtime/kernels/arm/neon/kernels_neon.cpp)
    sprig_kernel_set(arm_dotprod "-march=armv8.2-a+dotprod" runtime/kernels/arm/dotprod/kernels_dotprod.cpp)
    sprig_kernel_set(arm_i8mm "-march=armv8.2-a+dotprod+i8mm" runtime/kernels/arm/i8mm/kernels_i8mm.cpp)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "arm")
    # The armhf toolchain's baseline is armv7-a with NEON (-mfpu=neon-vfpv4), so no extra flags.
    sprig_kernel_set(armv7_neon "" runtime/kernels/arm/armv7/kernels_armv7.cpp)
  endif()
endif()
