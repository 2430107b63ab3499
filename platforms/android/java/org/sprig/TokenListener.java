package org.sprig;

/**
 * Receives generated text as it comes: whole characters only (a character split over several
 * tokens arrives once complete), so every piece is a valid string. Called on the generating
 * thread; an exception thrown here stops the generation and reaches the caller of generate/send.
 */
@FunctionalInterface
public interface TokenListener {
  void onToken(String piece);
}
