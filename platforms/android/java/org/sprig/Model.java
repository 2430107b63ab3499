package org.sprig;

import java.nio.ByteBuffer;

/**
 * A model file, verified when opened and then read-only: any number of sessions on any threads
 * share it, and every method here is thread-safe. Sessions keep what they need, so a model may
 * be closed before its sessions.
 */
public final class Model implements AutoCloseable {
  private final Guard guard;
  private final ByteBuffer buffer;  // keeps Model.fromBuffer's bytes alive
  private final ModelInfo info;
  private int sessions;  // open sessions: they keep the native model alive after close()
  private long retained;  // the handle close() left to the last session

  private Model(long handle, ByteBuffer buffer) {
    this.guard = new Guard("the model", handle);
    this.buffer = buffer;
    this.info = new ModelInfo(Native.modelNumbers(handle), Native.modelArchitecture(handle),
        Native.modelChatTemplate(handle));
  }

  /** Maps a .sprig file (no copy: pages come from the file as they are read). */
  public static Model open(String path) {
    Native.requireNonNull(path, "path");
    return new Model(Native.modelOpen(path), null);
  }

  /**
   * Uses a direct ByteBuffer holding a whole .sprig file, such as an uncompressed APK asset
   * mapped with AssetFileDescriptor + FileChannel.map. Its bytes must not change while the model
   * or any of its sessions live; the model and its sessions keep a reference to it.
   */
  public static Model fromBuffer(ByteBuffer buffer) {
    Native.requireNonNull(buffer, "buffer");
    if (!buffer.isDirect()) {
      throw new SprigException(SprigException.INVALID_ARGUMENT,
          "Model.fromBuffer needs a direct ByteBuffer (allocateDirect or a mapped file)");
    }
    return new Model(Native.modelFromBuffer(buffer), buffer);
  }

  public ModelInfo info() {
    guard.enterShared();
    guard.exit();
    return info;
  }

  /** Token ids of `text`, with the model's BOS first when it adds one; `special`: control tokens
   *  written in the text ("<|im_end|>") become those tokens. */
  public int[] tokenize(String text, boolean special) {
    Native.requireNonNull(text, "text");
    long h = guard.enterShared();
    try {
      return Native.modelTokenize(h, text, info.addsBos, special);
    } finally {
      guard.exit();
    }
  }

  /** Token ids of `text` without BOS. */
  public int[] tokenizeNoBos(String text, boolean special) {
    Native.requireNonNull(text, "text");
    long h = guard.enterShared();
    try {
      return Native.modelTokenize(h, text, false, special);
    } finally {
      guard.exit();
    }
  }

  /** A token's text at the start of a text; a token holding part of a character (byte-level
   *  vocabularies split some characters) shows that part as U+FFFD: see {@link #tokenBytes}. */
  public String tokenText(int id) {
    long h = guard.enterShared();
    try {
      return Native.modelTokenText(h, id);
    } finally {
      guard.exit();
    }
  }

  /** A token's UTF-8 bytes at the start of a text (maybe part of a character). */
  public byte[] tokenBytes(int id) {
    long h = guard.enterShared();
    try {
      return Native.modelTokenBytes(h, id);
    } finally {
      guard.exit();
    }
  }

  /** A session on this model: one native allocation of SessionOptions.bytesNeeded(this) bytes. */
  public Session newSession(SessionOptions options) {
    Native.requireNonNull(options, "options");
    long h = guard.enterShared();
    try {
      Session session = new Session(this, h, Native.sessionCreate(h, options.toArray()), options, buffer);
      synchronized (this) {
        sessions++;
      }
      return session;
    } finally {
      guard.exit();
    }
  }

  long bytesNeeded(SessionOptions options) {
    long h = guard.enterShared();
    try {
      return Native.sessionBytes(h, options.toArray());
    } finally {
      guard.exit();
    }
  }

  /**
   * Closes the model: no more calls on it, and a second close() throws SprigException(CLOSED).
   * Its sessions go on; the native model goes with the last of them.
   */
  @Override
  public void close() {
    long h = guard.take();
    synchronized (this) {
      if (sessions > 0) {
        retained = h;
        return;
      }
    }
    Native.modelClose(h);
  }

  synchronized void sessionClosed() {
    if (--sessions == 0 && retained != 0) {
      Native.modelClose(retained);
      retained = 0;
    }
  }
}
