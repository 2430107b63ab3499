package org.sprig;

/** Collects the pieces a generation streams and hands each to the caller's listener. */
final class TextCollector {
  private final StringBuilder text = new StringBuilder();
  private final TokenListener listener;

  TextCollector(TokenListener listener) {
    this.listener = listener;
  }

  /** Called from native code with whole characters. */
  void piece(String piece) {
    text.append(piece);
    if (listener != null) listener.onToken(piece);
  }

  String text() {
    return text.toString();
  }
}
