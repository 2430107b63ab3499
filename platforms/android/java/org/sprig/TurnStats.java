package org.sprig;

/** What the last {@link Chat#send} did. */
public final class TurnStats {
  /** Tokens this turn fed through prefill: only the turn's own, the earlier ones stay cached. */
  public final int prefilledTokens;
  public final int generatedTokens;
  /** Oldest messages dropped because the context was full (never the system message). */
  public final int droppedMessages;
  public final StopReason stop;

  TurnStats(int[] numbers) {
    prefilledTokens = numbers[0];
    generatedTokens = numbers[1];
    droppedMessages = numbers[2];
    stop = StopReason.of(numbers[3]);
  }
}
