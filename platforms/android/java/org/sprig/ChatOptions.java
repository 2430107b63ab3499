package org.sprig;

/** A chat's system prompt, sampling and reply length; the defaults are greedy, 512 tokens. */
public final class ChatOptions {
  /** null: the template's default system message, if it has one. */
  public String systemPrompt = null;
  public float temperature = 0.0f;
  public int topK = 0;
  public float topP = 1.0f;
  public long seed = 0;
  public int maxTokens = 512;

  public ChatOptions systemPrompt(String text) { systemPrompt = text; return this; }
  public ChatOptions temperature(float t) { temperature = t; return this; }
  public ChatOptions topK(int k) { topK = k; return this; }
  public ChatOptions topP(float p) { topP = p; return this; }
  public ChatOptions seed(long s) { seed = s; return this; }
  public ChatOptions maxTokens(int n) { maxTokens = n; return this; }
}
