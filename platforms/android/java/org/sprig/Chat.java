package org.sprig;

/**
 * A conversation with a chat model (one whose file carries a chat template) on a session it owns
 * while open: each turn prefills only its new tokens. Calls run one at a time, like the
 * session's; {@link Session#cancel()} stops a reply.
 */
public final class Chat implements AutoCloseable {
  private final Session session;
  private final ChatOptions options;
  private long handle;  // guarded by the session's guard
  private volatile TurnStats lastTurn;

  public Chat(Session session, ChatOptions options) {
    Native.requireNonNull(session, "session");
    Native.requireNonNull(options, "options");
    this.session = session;
    this.options = options;
    long s = session.enter();
    try {
      session.attach(this);
      try {
        handle = Native.chatCreate(s, options.samplingValues(), options.samplingCounts(), options.seed);
        if (options.systemPrompt != null) Native.chatSetMessagesJson(handle, systemJson(options.systemPrompt));
      } catch (RuntimeException e) {
        if (handle != 0) Native.chatDestroy(handle);
        handle = 0;
        session.detach(this);
        throw e;
      }
    } finally {
      session.exit();
    }
  }

  /** Adds the user's message, generates the reply (streamed to `listener`, may be null), returns it. */
  public String send(String userText, TokenListener listener) {
    Native.requireNonNull(userText, "userText");
    long s = enter();
    try {
      TextCollector collector = new TextCollector(listener);
      int[] stats = new int[4];
      Native.chatTurn(handle, s, userText, options.maxTokens, collector, stats);
      lastTurn = new TurnStats(stats);
      return collector.text();
    } finally {
      session.exit();
    }
  }

  /** The conversation as role/content JSON, replies included. */
  public String messagesJson() {
    enter();
    try {
      return Native.chatMessagesJson(handle);
    } finally {
      session.exit();
    }
  }

  /** Replaces the conversation ([{"role": "system", "content": "..."}, ...]); the next turn computes it. */
  public void setMessagesJson(String json) {
    Native.requireNonNull(json, "json");
    enter();
    try {
      Native.chatSetMessagesJson(handle, json);
    } finally {
      session.exit();
    }
  }

  /** The prompt text the template renders for the conversation, generation prompt included. */
  public String renderedPrompt() {
    enter();
    try {
      return Native.chatPrompt(handle);
    } finally {
      session.exit();
    }
  }

  /** Starts over, keeping the system message. */
  public void reset() {
    enter();
    try {
      Native.chatReset(handle);
    } finally {
      session.exit();
    }
  }

  /** The KV cache, its tokens and the conversation to a file (for onSaveInstanceState / onStop). */
  public void save(String path) {
    Native.requireNonNull(path, "path");
    enter();
    try {
      Native.chatSave(handle, path);
    } finally {
      session.exit();
    }
  }

  /** Back from a file save() wrote (same model and session options), without recomputing it. */
  public void load(String path) {
    Native.requireNonNull(path, "path");
    enter();
    try {
      Native.chatLoad(handle, path);
    } finally {
      session.exit();
    }
  }

  /** What the last send() did; null before the first. */
  public TurnStats lastTurn() {
    return lastTurn;
  }

  /** Frees the chat (the session stays open); a second close() throws. */
  @Override
  public void close() {
    enter();
    try {
      release();
    } finally {
      session.exit();
    }
  }

  // Under the session's guard.
  void release() {
    Native.chatDestroy(handle);
    handle = 0;
    session.detach(this);
  }

  private long enter() {
    long s = session.enter();
    if (handle == 0) {
      session.exit();
      throw new SprigException(SprigException.CLOSED, "the chat is closed");
    }
    return s;
  }

  static String systemJson(String text) {
    StringBuilder b = new StringBuilder("[{\"role\": \"system\", \"content\": \"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append("\"}]").toString();
  }
}
