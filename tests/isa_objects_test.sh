#!/usr/bin/env bash
# The kernel files built with newer-ISA flags (arm/dotprod, arm/i8mm) must define no weak or
# COMDAT symbols: the linker keeps one copy of such a symbol (an inline function, a template) for
# the whole program, and if it kept the copy compiled with +dotprod, a Cortex-A72 would run SDOT
# outside any CPU check. Their shared code has internal linkage instead (arm/quantized_rows.h).
#   isa_objects_test.sh NM OBJECT...
set -u
nm=$1
shift
checked=0 failures=0
for object in "$@"; do
  case "$object" in
    */kernels/arm/dotprod/* | */kernels/arm/i8mm/*) ;;
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
echo "checked $checked newer-ISA kernel objects"
[ "$checked" -gt 0 ] && [ "$failures" -eq 0 ]
