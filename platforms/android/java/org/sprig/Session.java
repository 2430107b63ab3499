package org.sprig;

import java.nio.ByteBuffer;

/**
 * One conversation's state (KV cache, sampler, detokenizer) in one native block of
 * {@link SessionOptions#bytesNeeded} bytes. A session runs one call at a time: a second thread
 * calling in meanwhile gets SprigException(BUSY). {@link #cancel()} is the exception: any thread may
 * call it at any time.
 */
public final class Session implements AutoCloseable {
  private final Guard handleGuard;
  private final Model model;
  private final long modelHandle;  // alive while this session is open (Model.sessionClosed)
  private final ModelInfo modelInfo;
  @SuppressWarnings("unused")
  private final ByteBuffer buffer;  // Model.fromBuffer's bytes stay alive with the session
  private final SessionOptions options;
  private Chat chat;  // the chat that owns this session, while open
  private volatile GenerationStats lastStats;

  Session(Model model, long modelHandle, long handle, SessionOptions options, ByteBuffer buffer) {
    this.handleGuard = new Guard("the session", handle);
    this.model = model;
    this.modelHandle = modelHandle;
    this.modelInfo = model.info();
    this.buffer = buffer;
    this.options = options;
  }

  /**
   * Continues the context with `prompt` (the model's BOS first on an empty context, when it adds
   * one) and generates, streaming whole characters to `listener` (may be null). Returns exactly
   * the text the listener received.
   */
  public String generate(String prompt, GenerateOptions options, TokenListener listener) {
    Native.requireNonNull(prompt, "prompt");
    Native.requireNonNull(options, "options");
    long h = enter();
    try {
      if (chat != null) throw new SprigException(SprigException.BUSY, "the session belongs to an open Chat");
      TextCollector collector = new TextCollector(listener);
      int[] stats = new int[4];
      Native.sessionGenerate(h, prompt, options.samplingValues(), options.samplingCounts(), options.seed,
          options.maxTokens, options.stop, collector, stats);
      lastStats = new GenerationStats(stats);
      return collector.text();
    } finally {
      handleGuard.exit();
    }
  }

  /**
   * Stops the generation or chat turn running on this session, from any thread: the token being
   * computed is the last. Does nothing when nothing runs.
   */
  public void cancel() {
    synchronized (handleGuard) {  // close() cannot free the handle meanwhile
      long h = handleGuard.peek();
      if (h == 0) throw new SprigException(SprigException.CLOSED, "the session is closed");
      Native.sessionCancel(h);
    }
  }

  /**
   * The k most likely next tokens after `text`, most likely first. The context starts over with
   * `text` (with the model's BOS when it adds one).
   */
  public TokenProbability[] probs(String text, int k) {
    Native.requireNonNull(text, "text");
    if (k <= 0) throw new SprigException(SprigException.INVALID_ARGUMENT, "k must be positive, not " + k);
    long h = enter();
    try {
      if (chat != null) throw new SprigException(SprigException.BUSY, "the session belongs to an open Chat");
      int n = Math.min(k, modelInfo.vocabSize);
      int[] ids = new int[n];
      double[] probabilities = new double[n];
      int count = Native.sessionProbs(h, text, n, ids, probabilities);
      TokenProbability[] result = new TokenProbability[count];
      for (int i = 0; i < count; i++) {
        result[i] = new TokenProbability(ids[i], Native.modelTokenText(modelHandle, ids[i]), probabilities[i]);
      }
      return result;
    } finally {
      handleGuard.exit();
    }
  }

  /**
   * The tokens in the context and their KV cache to a file (for onSaveInstanceState / onStop);
   * the file is written whole or not at all. A Chat's session is saved with {@link Chat#save}.
   */
  public void save(String path) {
    Native.requireNonNull(path, "path");
    long h = enter();
    try {
      if (chat != null) throw new SprigException(SprigException.BUSY, "the session belongs to an open Chat");
      Native.sessionSave(h, path);
    } finally {
      handleGuard.exit();
    }
  }

  /**
   * Replaces the context with a file {@link #save} wrote for the same model and session options;
   * generate then continues as the saved session would have. A missing, damaged or foreign file
   * (another model, other options, a Chat's file) throws SprigException(INVALID_ARGUMENT) and
   * leaves this session empty and usable.
   */
  public void load(String path) {
    Native.requireNonNull(path, "path");
    long h = enter();
    try {
      if (chat != null) throw new SprigException(SprigException.BUSY, "the session belongs to an open Chat");
      Native.sessionLoad(h, path);
    } finally {
      handleGuard.exit();
    }
  }

  /** A new session of `model` with `options`, holding what {@link #save} wrote to `path`; throws as load() does. */
  public static Session restore(Model model, SessionOptions options, String path) {
    Native.requireNonNull(model, "model");
    Native.requireNonNull(path, "path");
    Session session = model.newSession(options);
    try {
      session.load(path);
      return session;
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  /** Forgets every token: the context starts empty. */
  public void reset() {
    long h = enter();
    try {
      Native.sessionReset(h);
    } finally {
      handleGuard.exit();
    }
  }

  /** Tokens in the context now. */
  public int position() {
    return (int) number(0);
  }

  public int contextLength() {
    return (int) number(1);
  }

  /** Tokens fed through prefill since the session was created (a chat turn's cost is its change). */
  public long prefilledTokens() {
    return number(2);
  }

  /** What the last generate did; null before the first. */
  public GenerationStats lastStats() {
    return lastStats;
  }

  public SessionOptions options() {
    return options;
  }

  public Model model() {
    return model;
  }

  /** Frees the native block (and closes a chat still open on it); a second close() throws. */
  @Override
  public void close() {
    long h = enter();
    try {
      if (chat != null) chat.release();
      chat = null;
    } finally {
      handleGuard.exit();
    }
    Native.sessionDestroy(handleGuard.take());
    model.sessionClosed();
  }

  // ---- for Chat ----

  long enter() {
    return handleGuard.enterExclusive();
  }

  void exit() {
    handleGuard.exit();
  }

  void attach(Chat c) {
    if (chat != null) throw new SprigException(SprigException.BUSY, "the session already has an open Chat");
    chat = c;
  }

  void detach(Chat c) {
    if (chat == c) chat = null;
  }

  private long number(int which) {
    long h = enter();
    try {
      return Native.sessionNumber(h, which);
    } finally {
      handleGuard.exit();
    }
  }
}
