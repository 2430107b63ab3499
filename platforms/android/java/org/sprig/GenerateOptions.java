package org.sprig;

import java.util.Arrays;

/**
 * Sampling and stopping for {@link Session#generate}. The defaults are greedy (temperature 0),
 * at most 256 tokens, no stop strings.
 */
public final class GenerateOptions {
  /** 0: greedy. */
  public float temperature = 0.0f;
  /** 0: off. */
  public int topK = 0;
  /** 1: off. */
  public float topP = 1.0f;
  public long seed = 0;
  public int maxTokens = 256;
  /** Generation ends before the first of these; neither the listener nor the result sees it. */
  public String[] stop = new String[0];

  public static GenerateOptions greedy(int maxTokens) {
    return new GenerateOptions().maxTokens(maxTokens);
  }

  public GenerateOptions temperature(float t) { temperature = t; return this; }
  public GenerateOptions topK(int k) { topK = k; return this; }
  public GenerateOptions topP(float p) { topP = p; return this; }
  public GenerateOptions seed(long s) { seed = s; return this; }
  public GenerateOptions maxTokens(int n) { maxTokens = n; return this; }
  public GenerateOptions stop(String... strings) {
    stop = strings == null ? null : Arrays.copyOf(strings, strings.length);
    return this;
  }
}
