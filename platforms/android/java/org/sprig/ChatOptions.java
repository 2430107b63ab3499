package org.sprig;

/**
 * A chat's system prompt, sampling and reply length; the defaults are greedy (every sampling
 * stage off, as in {@link GenerateOptions}), 512 tokens. Replies end at the template's stop tokens.
 */
public final class ChatOptions {
  /** null: the template's default system message, if it has one. */
  public String systemPrompt = null;
  public float temperature = 0.0f;
  public int topK = 0;
  public float topP = 1.0f;
  public float minP = 0.0f;
  public float repeatPenalty = 1.0f;
  public int repeatLastN = 64;
  public float presencePenalty = 0.0f;
  public float frequencyPenalty = 0.0f;
  public long seed = 0;
  public int maxTokens = 512;

  public ChatOptions systemPrompt(String text) { systemPrompt = text; return this; }
  public ChatOptions temperature(float t) { temperature = t; return this; }
  public ChatOptions topK(int k) { topK = k; return this; }
  public ChatOptions topP(float p) { topP = p; return this; }
  public ChatOptions minP(float p) { minP = p; return this; }
  public ChatOptions repeatPenalty(float p) { repeatPenalty = p; return this; }
  public ChatOptions repeatLastN(int n) { repeatLastN = n; return this; }
  public ChatOptions presencePenalty(float p) { presencePenalty = p; return this; }
  public ChatOptions frequencyPenalty(float p) { frequencyPenalty = p; return this; }
  public ChatOptions seed(long s) { seed = s; return this; }
  public ChatOptions maxTokens(int n) { maxTokens = n; return this; }

  float[] samplingValues() {
    return new float[] {temperature, topP, minP, repeatPenalty, presencePenalty, frequencyPenalty};
  }

  int[] samplingCounts() {
    return new int[] {topK, repeatLastN};
  }
}
