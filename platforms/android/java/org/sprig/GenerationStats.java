package org.sprig;

/** What the last {@link Session#generate} did. */
public final class GenerationStats {
  public final int promptTokens;
  public final int generatedTokens;
  public final int shifts;
  public final StopReason stop;

  GenerationStats(int[] numbers) {
    promptTokens = numbers[0];
    generatedTokens = numbers[1];
    shifts = numbers[2];
    stop = StopReason.of(numbers[3]);
  }
}
