package org.sprig;

/** What a model file holds, read once when it is opened. */
public final class ModelInfo {
  /** "llama", "qwen2", "gemma2", ... */
  public final String family;
  /** Elements of all weight tensors (0 in a tokenizer-only file). */
  public final long parameters;
  /** The longest context the model was trained for, in tokens. */
  public final int maxContext;
  /** "chatml", "llama2", "llama3", "phi3", "gemma", "zephyr"; null for a base model. */
  public final String chatTemplate;
  public final int vocabSize;
  public final int layers;
  public final int dim;
  public final int bosId;
  public final int eosId;
  public final boolean addsBos;
  public final long fileBytes;
  public final long weightBytes;
  /** A file with a tokenizer and no weights: it tokenizes, but sessions cannot be made. */
  public final boolean tokenizerOnly;
  public final boolean byteLevel;

  ModelInfo(long[] n, String family, String chatTemplate) {
    vocabSize = (int) n[0];
    maxContext = (int) n[1];
    bosId = (int) n[2];
    eosId = (int) n[3];
    addsBos = n[4] != 0;
    fileBytes = n[5];
    weightBytes = n[6];
    parameters = n[7];
    layers = (int) n[8];
    dim = (int) n[9];
    tokenizerOnly = n[10] != 0;
    byteLevel = n[11] != 0;
    this.family = family;
    this.chatTemplate = chatTemplate;
  }
}
