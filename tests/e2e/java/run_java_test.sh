#!/usr/bin/env bash
# Runs JUnit 4 test classes on the host JVM with -Xcheck:jni (every JNI call checked).
#   run_java_test.sh JAVA CLASSPATH JNI_LIBRARY SPRIG_CLI MODELS PRELOAD (CLASS | -Dname=value)...
# PRELOAD (may be empty) goes into LD_PRELOAD: the ASan runtime for a sanitizer build, the
# allocation counter for the memory test.
set -u
java=$1 classpath=$2 library=$3 cli=$4 models=$5 preload=$6
shift 6
if [ ! -f "$models/base.sprig" ]; then
  echo "NOTICE: skipped the Java tests: no converted models (shared test data missing)"
  exit 0
fi
checks=(-Xcheck:jni)
options=() classes=()
for a in "$@"; do
  case $a in -D*) options+=("$a") ;; *) classes+=("$a") ;; esac
done
if [ -n "$preload" ]; then
  export LD_PRELOAD="$preload"
  # The JVM takes SIGSEGV for its own null checks and safepoints, and never frees some memory.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:handle_segv=0:allow_user_segv_handler=1:detect_leaks=0"
fi
exec "$java" "${checks[@]}" -Dsprig.jni.library="$library" -Dsprig.cli="$cli" -Dsprig.models="$models" \
  "${options[@]}" -cp "$classpath" org.junit.runner.JUnitCore "${classes[@]}"
