package org.sprig.test;

/** Counts the native heap calls of the current thread (allocation_probe.cpp). */
final class NativeAllocations {
  static {
    System.load(System.getProperty("sprig.test.probe"));
  }

  private NativeAllocations() {}

  static native void start();
  static native void stop();
  static native long count(int which);

  static long allocations() { return count(0); }
  static long frees() { return count(1); }
  static long bytes() { return count(2); }
}
