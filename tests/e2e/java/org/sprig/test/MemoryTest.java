package org.sprig.test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import org.junit.Test;
import org.sprig.GenerateOptions;
import org.sprig.Model;
import org.sprig.Session;
import org.sprig.SessionOptions;
import org.sprig.TokenListener;

/**
 * A session's native memory is one block of exactly SessionOptions.bytesNeeded, and generating
 * makes no native heap call (run with the allocation counter preloaded into the JVM).
 */
public class MemoryTest {
  private static final String PROMPT = "Once upon a time, in a quiet village, 작은 고양이가 살았어요.";

  private static SessionOptions options() {
    // 512 tokens overflow a 256-token context: shifts happen inside the measured window.
    return new SessionOptions().context(256).batch(16).maxTextBytes(256)
        .onContextFull(SessionOptions.ContextPolicy.SHIFT).keepTokens(1);
  }

  private static GenerateOptions sampling() {
    return new GenerateOptions().temperature(1.0f).topP(0.9f).seed(42).maxTokens(512);
  }

  private static String generate(Session session, GenerateOptions options, TokenListener listener) {
    return session.generate(PROMPT, options, listener);
  }

  @Test
  public void aSessionIsOneBlockOfBytesNeededAndGeneratingAllocatesNothing() {
    try (Model model = Model.open(Fixtures.base())) {
      // Once through every call first, so the JVM has linked and resolved them all.
      NativeAllocations.start();
      NativeAllocations.stop();
      NativeAllocations.allocations();
      // The same listener object and call site later: a new lambda or call site would make the
      // JVM define and link classes (its own allocations) inside the measured window.
      StringBuilder streamed = new StringBuilder();
      TokenListener listener = streamed::append;
      GenerateOptions sampling = sampling();
      try (Session warm = model.newSession(options())) {
        generate(warm, sampling, listener);
      }
      long needed = options().bytesNeeded(model);
      assertTrue(needed > 100_000);

      NativeAllocations.start();
      Session session = model.newSession(options());
      NativeAllocations.stop();
      assertEquals("newSession allocates once", 1, NativeAllocations.allocations());
      assertEquals("of exactly bytesNeeded", needed, NativeAllocations.bytes());

      streamed.setLength(0);
      NativeAllocations.start();
      String text = generate(session, sampling, listener);
      NativeAllocations.stop();
      assertEquals(512, session.lastStats().generatedTokens);
      assertTrue(session.lastStats().shifts > 0);
      assertTrue(text.length() > 1000);
      assertEquals(text, streamed.toString());
      assertEquals("native allocations while generating", 0, NativeAllocations.allocations());
      assertEquals("native frees while generating", 0, NativeAllocations.frees());

      NativeAllocations.start();
      session.close();
      NativeAllocations.stop();
      assertEquals(0, NativeAllocations.allocations());
      assertEquals("close frees the one block", 1, NativeAllocations.frees());
    }
  }
}
