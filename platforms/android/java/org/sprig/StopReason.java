package org.sprig;

/** Why a generation or chat turn ended (the C API's sprig_stop_reason, and STOP_STRING). */
public enum StopReason {
  TOKEN_LIMIT, END_OF_SEQUENCE, CONTEXT_FULL, CANCELLED, STOP_STRING;

  static StopReason of(int code) {
    StopReason[] all = values();
    return code >= 0 && code < all.length ? all[code] : TOKEN_LIMIT;
  }
}
