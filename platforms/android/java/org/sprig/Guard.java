package org.sprig;

/**
 * A native handle and who is using it. A call enters (shared: any number at once, exclusive:
 * alone), and close() takes the handle only when nobody is inside, so no native object is freed
 * while a call uses it, whatever the threads do.
 */
final class Guard {
  private final String what;
  private long handle;
  private int users;
  private boolean exclusive;

  Guard(String what, long handle) {
    this.what = what;
    this.handle = handle;
  }

  synchronized long enterShared() {
    check();
    if (exclusive) throw busy();
    users++;
    return handle;
  }

  synchronized long enterExclusive() {
    check();
    if (users > 0) throw busy();
    users = 1;
    exclusive = true;
    return handle;
  }

  synchronized void exit() {
    users--;
    exclusive = false;
  }

  /** The handle for a call that must not wait (cancel), or 0 when closed; under this lock. */
  synchronized long peek() {
    return handle;
  }

  /** Takes the handle for closing; the caller frees it. */
  synchronized long take() {
    check();
    if (users > 0) throw new SprigException(SprigException.BUSY, what + " is in use by another call; close it after");
    long h = handle;
    handle = 0;
    return h;
  }

  synchronized boolean closed() {
    return handle == 0;
  }

  private void check() {
    if (handle == 0) throw new SprigException(SprigException.CLOSED, what + " is closed");
  }

  private SprigException busy() {
    return new SprigException(SprigException.BUSY, what + " is in use by another thread (one call at a time)");
  }
}
