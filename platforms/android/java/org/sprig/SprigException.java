package org.sprig;

/**
 * Every failure of the sprig API. {@link #code()} is one of the C API's status codes
 * ({@code sprig_status} in sprig.h) or one of the binding's own, {@link #CLOSED} and {@link #BUSY}.
 */
public class SprigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public static final int INVALID_ARGUMENT = 1;
  public static final int MODEL = 2;
  public static final int MEMORY = 3;
  public static final int CONTEXT_FULL = 4;
  public static final int TEXT_TOO_LONG = 5;
  /** The object was closed. */
  public static final int CLOSED = 100;
  /** Another thread is using the object (a session runs one call at a time). */
  public static final int BUSY = 101;

  private final int code;

  public SprigException(int code, String message) {
    super(message);
    this.code = code;
  }

  public int code() {
    return code;
  }
}
