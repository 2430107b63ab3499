package org.sprig;

/** How a session is laid out; the defaults are the C API's (sprig_session_options_init). */
public final class SessionOptions {
  public enum KvCache { F16, INT8, F32 }

  /** What generation does when the context is full. */
  public enum ContextPolicy {
    /** Stop with StopReason.CONTEXT_FULL. */
    STOP,
    /** Keep the first keepTokens tokens, drop the oldest half of the rest, go on. */
    SHIFT
  }

  public enum Backend { SPRIG, XNNPACK }

  /** Tokens; 0: the model's maximum. */
  public int context = 0;
  /** Prompt tokens per forward step. */
  public int batch = 32;
  /** Worker threads of the forward pass. */
  public int threads = 1;
  public KvCache kvCache = KvCache.F16;
  /** The longest prompt or user message, in UTF-8 bytes. */
  public int maxTextBytes = 4096;
  public ContextPolicy onContextFull = ContextPolicy.STOP;
  public int keepTokens = 0;
  public Backend backend = Backend.SPRIG;

  public SessionOptions context(int tokens) { context = tokens; return this; }
  public SessionOptions batch(int tokens) { batch = tokens; return this; }
  public SessionOptions threads(int count) { threads = count; return this; }
  public SessionOptions kvCache(KvCache type) { kvCache = type; return this; }
  public SessionOptions maxTextBytes(int bytes) { maxTextBytes = bytes; return this; }
  public SessionOptions onContextFull(ContextPolicy policy) { onContextFull = policy; return this; }
  public SessionOptions keepTokens(int tokens) { keepTokens = tokens; return this; }
  public SessionOptions backend(Backend b) { backend = b; return this; }

  /**
   * The native memory a session with these options takes, known before creating it: exactly what
   * {@link Model#newSession} allocates (one block), and nothing is allocated after it.
   */
  public long bytesNeeded(Model model) {
    Native.requireNonNull(model, "model");
    return model.bytesNeeded(this);
  }

  int[] toArray() {
    Native.requireNonNull(kvCache, "kvCache");
    Native.requireNonNull(onContextFull, "onContextFull");
    Native.requireNonNull(backend, "backend");
    return new int[] {context, batch, threads, kvCache.ordinal(), maxTextBytes, onContextFull.ordinal(), keepTokens,
        backend.ordinal()};
  }
}
