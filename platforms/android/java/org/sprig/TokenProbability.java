package org.sprig;

/** One candidate next token and its probability (softmax of the logits, in double precision). */
public final class TokenProbability {
  public final int id;
  /** The token's text at the start of a text ({@link Model#tokenText}). */
  public final String text;
  public final double probability;

  TokenProbability(int id, String text, double probability) {
    this.id = id;
    this.text = text;
    this.probability = probability;
  }

  @Override
  public String toString() {
    return id + " " + text + " " + probability;
  }
}
