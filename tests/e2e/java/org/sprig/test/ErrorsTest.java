package org.sprig.test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.Test;
import org.sprig.Chat;
import org.sprig.ChatOptions;
import org.sprig.GenerateOptions;
import org.sprig.Model;
import org.sprig.Session;
import org.sprig.SessionOptions;
import org.sprig.SprigException;

/** Nothing a Java caller does crashes the process: it throws SprigException with a code. */
public class ErrorsTest {
  private interface Call {
    void run() throws Exception;
  }

  private static SprigException expect(int code, Call call) {
    try {
      call.run();
    } catch (SprigException e) {
      assertEquals(e.getMessage(), code, e.code());
      assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
      return e;
    } catch (Exception e) {
      throw new AssertionError("expected SprigException, got " + e, e);
    }
    fail("expected SprigException " + code);
    return null;
  }

  @Test
  public void nullArgumentsThrow() {
    final int invalid = SprigException.INVALID_ARGUMENT;
    expect(invalid, () -> Model.open(null));
    expect(invalid, () -> Model.fromBuffer(null));
    try (Model model = Model.open(Fixtures.base()); Session session = model.newSession(new SessionOptions())) {
      expect(invalid, () -> model.tokenize(null, false));
      expect(invalid, () -> model.newSession(null));
      expect(invalid, () -> new SessionOptions().bytesNeeded(null));
      expect(invalid, () -> model.newSession(new SessionOptions().kvCache(null)));
      expect(invalid, () -> session.generate(null, new GenerateOptions(), null));
      expect(invalid, () -> session.generate("x", null, null));
      expect(invalid, () -> session.generate("x", new GenerateOptions().stop("a", null), null));
      expect(invalid, () -> session.generate("x", new GenerateOptions().stop(""), null));
      expect(invalid, () -> session.probs(null, 3));
      expect(invalid, () -> session.probs("x", 0));
      expect(invalid, () -> new Chat(null, new ChatOptions()));
      expect(invalid, () -> new Chat(session, null));
    }
    try (Model model = Model.open(Fixtures.chat()); Session session = model.newSession(new SessionOptions());
         Chat chat = new Chat(session, new ChatOptions())) {
      expect(invalid, () -> chat.send(null, null));
      expect(invalid, () -> chat.setMessagesJson(null));
      expect(invalid, () -> chat.save(null));
      expect(invalid, () -> chat.load(null));
    }
  }

  @Test
  public void badValuesThrowWithTheirReason() throws Exception {
    expect(SprigException.MODEL, () -> Model.open("no/such/model.sprig"));
    expect(SprigException.INVALID_ARGUMENT, () -> Model.open(Fixtures.base() + "\0.txt"));
    expect(SprigException.INVALID_ARGUMENT, () -> Model.fromBuffer(ByteBuffer.allocate(16)));
    // Random bytes fail the model verifier.
    ByteBuffer junk = ByteBuffer.allocateDirect(4096);
    for (int i = 0; i < 4096; i++) junk.put((byte) (i * 31 + 7));
    expect(SprigException.MODEL, () -> Model.fromBuffer(junk));
    try (Model model = Model.open(Fixtures.base())) {
      expect(SprigException.INVALID_ARGUMENT, () -> model.tokenText(-1));
      expect(SprigException.INVALID_ARGUMENT, () -> model.tokenText(model.info().vocabSize));
      expect(SprigException.INVALID_ARGUMENT, () -> model.newSession(new SessionOptions().context(-5)));
      expect(SprigException.INVALID_ARGUMENT, () -> model.newSession(new SessionOptions().context(1 << 30)));
      try (Session session = model.newSession(new SessionOptions().maxTextBytes(64))) {
        expect(SprigException.TEXT_TOO_LONG, () -> session.generate("x".repeat(65), new GenerateOptions(), null));
        expect(SprigException.TEXT_TOO_LONG, () -> session.generate("한".repeat(22), new GenerateOptions(), null));
        expect(SprigException.INVALID_ARGUMENT,
            () -> session.generate("x", new GenerateOptions().temperature(-1), null));
        expect(SprigException.INVALID_ARGUMENT, () -> session.generate("x", new GenerateOptions().topK(-1), null));
        // The session still works after each refusal.
        assertTrue(session.generate("Once", GenerateOptions.greedy(5), null).length() > 0);
      }
      try (Session session = model.newSession(new SessionOptions())) {
        expect(SprigException.MODEL, () -> new Chat(session, new ChatOptions()));  // a base model
      }
    }
    try (Model model = Model.open(Fixtures.chat()); Session session = model.newSession(new SessionOptions());
         Chat chat = new Chat(session, new ChatOptions())) {
      expect(SprigException.INVALID_ARGUMENT, () -> chat.setMessagesJson("[{\"role\": \"user\""));
      expect(SprigException.INVALID_ARGUMENT, () -> chat.load(Fixtures.base()));
      expect(SprigException.BUSY, () -> session.generate("x", new GenerateOptions(), null));
      expect(SprigException.BUSY, () -> new Chat(session, new ChatOptions()));
    }
  }

  @Test
  public void aListenerExceptionStopsGenerationAndReachesTheCaller() {
    try (Model model = Model.open(Fixtures.base()); Session session = model.newSession(new SessionOptions())) {
      try {
        session.generate("Once upon a time", GenerateOptions.greedy(100), piece -> {
          throw new IllegalStateException("listener says stop");
        });
        fail("the listener's exception was lost");
      } catch (IllegalStateException e) {
        assertEquals("listener says stop", e.getMessage());
      }
      // A listener calling back into its own session is refused, not deadlocked.
      try {
        session.generate("Once upon a time", GenerateOptions.greedy(100), piece -> session.reset());
        fail("reentrant call allowed");
      } catch (SprigException e) {
        assertEquals(SprigException.BUSY, e.code());
      }
      session.reset();
      assertTrue(session.generate("Once upon a time", GenerateOptions.greedy(10), null).length() > 0);
    }
  }

  @Test
  public void closedObjectsAndDoubleCloseThrow() {
    Model model = Model.open(Fixtures.chat());
    Session session = model.newSession(new SessionOptions());
    Chat chat = new Chat(session, new ChatOptions());
    chat.close();
    expect(SprigException.CLOSED, chat::close);
    expect(SprigException.CLOSED, () -> chat.send("hi", null));
    expect(SprigException.CLOSED, chat::messagesJson);
    Chat second = new Chat(session, new ChatOptions());  // the session is free again
    model.close();
    expect(SprigException.CLOSED, model::close);
    expect(SprigException.CLOSED, model::info);
    expect(SprigException.CLOSED, () -> model.tokenize("x", false));
    expect(SprigException.CLOSED, () -> model.newSession(new SessionOptions()));
    expect(SprigException.CLOSED, () -> new SessionOptions().bytesNeeded(model));
    // Sessions outlive their model.
    assertTrue(second.send("Hello", null).length() > 0);
    Model base = Model.open(Fixtures.base());
    Session orphan = base.newSession(new SessionOptions());
    base.close();
    assertEquals(3, orphan.probs("Once upon a", 3).length);
    assertTrue(orphan.probs("Once upon a", 3)[0].text.length() > 0);
    orphan.close();
    session.close();  // closes the chat still open on it
    expect(SprigException.CLOSED, () -> second.send("hi", null));
    expect(SprigException.CLOSED, session::close);
    expect(SprigException.CLOSED, session::cancel);
    expect(SprigException.CLOSED, session::reset);
    expect(SprigException.CLOSED, () -> session.generate("x", new GenerateOptions(), null));
    expect(SprigException.CLOSED, () -> session.probs("x", 1));
    expect(SprigException.CLOSED, () -> new Chat(session, new ChatOptions()));
  }

  @Test
  public void twoThreadsOnOneSessionGetBusyNotACrash() throws Exception {
    try (Model model = Model.open(Fixtures.base());
         Session session = model.newSession(new SessionOptions().context(256)
             .onContextFull(SessionOptions.ContextPolicy.SHIFT).keepTokens(1))) {
      CountDownLatch generating = new CountDownLatch(1);
      CountDownLatch checked = new CountDownLatch(1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread other = new Thread(() -> {
        try {
          generating.await();
          expect(SprigException.BUSY, () -> session.generate("x", new GenerateOptions(), null));
          expect(SprigException.BUSY, () -> session.probs("x", 2));
          expect(SprigException.BUSY, session::reset);
          expect(SprigException.BUSY, session::close);
          expect(SprigException.BUSY, session::position);
        } catch (Throwable t) {
          failure.set(t);
        } finally {
          checked.countDown();
          session.cancel();
        }
      });
      other.start();
      session.generate("Once upon a time", new GenerateOptions().temperature(1).seed(1).maxTokens(10_000), piece -> {
        generating.countDown();
        try {
          checked.await();
        } catch (InterruptedException e) {
          throw new RuntimeException(e);
        }
      });
      other.join();
      if (failure.get() != null) throw new AssertionError(failure.get());
      // Many threads hammering one session: each call either runs or is refused.
      Thread[] threads = new Thread[4];
      for (int t = 0; t < threads.length; t++) {
        threads[t] = new Thread(() -> {
          for (int i = 0; i < 50; i++) {
            try {
              session.generate("Once", GenerateOptions.greedy(3), null);
            } catch (SprigException e) {
              if (e.code() != SprigException.BUSY && e.code() != SprigException.CONTEXT_FULL) failure.set(e);
            }
          }
        });
        threads[t].start();
      }
      for (Thread t : threads) t.join();
      if (failure.get() != null) throw new AssertionError(failure.get());
    }
  }

  @Test
  public void aMappedFileServesAsABuffer() throws Exception {
    Path path = Paths.get(Fixtures.base());
    ByteBuffer mapped;
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
      mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, Files.size(path));
    }
    String fromFile;
    try (Model model = Model.open(path.toString()); Session session = model.newSession(new SessionOptions())) {
      fromFile = session.generate("Once upon a time", GenerateOptions.greedy(40), null);
    }
    try (Model model = Model.fromBuffer(mapped); Session session = model.newSession(new SessionOptions())) {
      assertEquals(fromFile, session.generate("Once upon a time", GenerateOptions.greedy(40), null));
    }
    // An asset at an offset that is not a multiple of 64 is refused, not read misaligned.
    ByteBuffer shifted = ByteBuffer.allocateDirect((int) Files.size(path) + 64);
    shifted.position(1);
    shifted.put(Files.readAllBytes(path));
    shifted.position(1);
    SprigException e = expect(SprigException.MODEL, () -> Model.fromBuffer(shifted.slice()));
    assertTrue(e.getMessage(), e.getMessage().contains("aligned"));
  }
}
