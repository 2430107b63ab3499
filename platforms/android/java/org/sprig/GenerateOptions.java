package org.sprig;

import java.util.Arrays;

/**
 * Sampling and stopping for {@link Session#generate}. The defaults are greedy (temperature 0,
 * every other stage off), at most 256 tokens, no stop strings: an app that sets nothing gets the
 * same text on every run, as `sprig run --temp 0` prints. {@link #recommended} gives the sprig
 * command line's (and llama.cpp's) sampling defaults instead. Values out of range (a negative
 * temperature, minP outside [0, 1], repeatLastN over 4096, ...) make generate throw
 * SprigException(INVALID_ARGUMENT).
 */
public final class GenerateOptions {
  /** 0: greedy. */
  public float temperature = 0.0f;
  /** 0: off. */
  public int topK = 0;
  /** 1: off. */
  public float topP = 1.0f;
  /** Drops tokens less likely than minP times the most likely one; 0: off. */
  public float minP = 0.0f;
  /** Divides a recent token's positive logit (multiplies a negative one); 1: off. */
  public float repeatPenalty = 1.0f;
  /** How many of the last tokens (prompt included) the penalties look at, at most 4096. */
  public int repeatLastN = 64;
  /** Subtracted once from the logit of every recent token; 0: off. */
  public float presencePenalty = 0.0f;
  /** Subtracted per occurrence of a recent token; 0: off. */
  public float frequencyPenalty = 0.0f;
  public long seed = 0;
  public int maxTokens = 256;
  /** Generation ends before the first of these; neither the listener nor the result sees it. */
  public String[] stop = new String[0];

  public static GenerateOptions greedy(int maxTokens) {
    return new GenerateOptions().maxTokens(maxTokens);
  }

  /** The command line's defaults (sprig_sampler_options_init): temperature 0.8, top-k 40, top-p 0.95, min-p 0.05. */
  public static GenerateOptions recommended(int maxTokens) {
    return new GenerateOptions().temperature(0.8f).topK(40).topP(0.95f).minP(0.05f).maxTokens(maxTokens);
  }

  public GenerateOptions temperature(float t) { temperature = t; return this; }
  public GenerateOptions topK(int k) { topK = k; return this; }
  public GenerateOptions topP(float p) { topP = p; return this; }
  public GenerateOptions minP(float p) { minP = p; return this; }
  public GenerateOptions repeatPenalty(float p) { repeatPenalty = p; return this; }
  public GenerateOptions repeatLastN(int n) { repeatLastN = n; return this; }
  public GenerateOptions presencePenalty(float p) { presencePenalty = p; return this; }
  public GenerateOptions frequencyPenalty(float p) { frequencyPenalty = p; return this; }
  public GenerateOptions seed(long s) { seed = s; return this; }
  public GenerateOptions maxTokens(int n) { maxTokens = n; return this; }
  public GenerateOptions stop(String... strings) {
    stop = strings == null ? null : Arrays.copyOf(strings, strings.length);
    return this;
  }

  // The arrays Native's sampling calls take (jni_sampler.h).
  float[] samplingValues() {
    return new float[] {temperature, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty};
  }

  int[] samplingCounts() {
    return new int[] {topK, repeatLastN};
  }
}
