#!/usr/bin/env bash
# The kernel files built with ISA flags beyond the baseline (arm/dotprod, arm/i8mm, x86/*) must
# define no weak or COMDAT symbols: the linker keeps one copy of such a symbol (an inline function,
# a template) for the whole program, and if it kept the copy compiled with +dotprod (or -mavx2), a
# Cortex-A72 (or an x86 without AVX2) would run those instructions outside any CPU check. Their
# shared code has internal linkage instead (arm/quantized_rows.h, x86/*.inl).
#   isa_objects_test.sh NM OBJECT...
set -u
nm=$1
shift
checked=0 failures=0
for object in "$@"; do
  case "$object" in
    */kernels/arm/dotprod/* | */kernels/arm/i8mm/* | */kernels/x86/*) ;;
    *) continue ;;
  esac
  checked=$((checked + 1))
  shared=$("$nm" --defined-only "$object" | awk '$2 ~ /^[WVu]$/ {print $3}')
  if [ -n "$shared" ]; then
    echo "FAILED: $(basename "$object") defines symbols the linker may share with other files:"
    echo "$shared" | sed 's/^/  /'
    failures=$((failures + 1))
  fi
done
echo "checked $checked kernel objects built with ISA flags"
[ "$checked" -gt 0 ] && [ "$failures" -eq 0 ]
