package org.sprig.test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.sprig.Chat;
import org.sprig.ChatOptions;
import org.sprig.GenerateOptions;
import org.sprig.Model;
import org.sprig.Session;
import org.sprig.SessionOptions;
import org.sprig.SprigException;

/** Session.save / load / restore: a restored session continues as the uninterrupted one; bad files throw. */
public class SessionStateTest {
  private static final String FIRST = "Once upon a time, there was a little girl named Lily.";
  private static final String SECOND = " One day, she went to the park.";
  private static final SessionOptions OPTIONS = new SessionOptions().context(256);
  private static Model model;

  @BeforeClass
  public static void open() {
    model = Model.open(Fixtures.base());
  }

  @AfterClass
  public static void close() {
    model.close();
  }

  private static GenerateOptions sampled() {
    return new GenerateOptions().temperature(0.8f).repeatPenalty(1.3f).seed(7).maxTokens(40);
  }

  private interface Call {
    void run() throws Exception;
  }

  private static void expectInvalid(String path, Call call) throws Exception {
    try {
      call.run();
      fail("no exception for " + path);
    } catch (SprigException e) {
      assertEquals(e.getMessage(), SprigException.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage(), e.getMessage().contains(path));
    }
  }

  @Test
  public void aRestoredSessionContinuesAsTheUninterruptedOne() throws Exception {
    String first;
    String uninterrupted;
    try (Session session = model.newSession(OPTIONS)) {
      first = session.generate(FIRST, GenerateOptions.greedy(40), null);
      uninterrupted = session.generate(SECOND, sampled(), null);
    }
    assertTrue(uninterrupted.length() > 20);
    Path file = Fixtures.scratch("session.state");
    int position;
    try (Session session = model.newSession(OPTIONS)) {
      assertEquals(first, session.generate(FIRST, GenerateOptions.greedy(40), null));
      position = session.position();
      session.save(file.toString());
    }
    try (Session restored = Session.restore(model, OPTIONS, file.toString())) {
      assertEquals(position, restored.position());
      StringBuilder streamed = new StringBuilder();
      assertEquals(uninterrupted, restored.generate(SECOND, sampled(), streamed::append));
      assertEquals(uninterrupted, streamed.toString());
      // The same prompt on an empty context is other text: the restored context mattered.
      restored.reset();
      assertNotEquals(uninterrupted, restored.generate(SECOND, sampled(), null));
      // load() into a session in use replaces its context.
      restored.load(file.toString());
      assertEquals(uninterrupted, restored.generate(SECOND, sampled(), null));
    }
  }

  @Test
  public void damagedAndForeignFilesThrowAndLeaveTheSessionUsable() throws Exception {
    Path good = Fixtures.scratch("good.state");
    String first;
    try (Session session = model.newSession(OPTIONS)) {
      first = session.generate(FIRST, GenerateOptions.greedy(40), null);
      session.save(good.toString());
    }
    byte[] bytes = Files.readAllBytes(good);
    byte[] flipped = bytes.clone();
    flipped[flipped.length / 2] ^= 0x40;
    Path damaged = Files.write(Fixtures.scratch("damaged.state"), flipped);
    Path truncated = Files.write(Fixtures.scratch("truncated.state"), Arrays.copyOf(bytes, bytes.length - 100));
    Path empty = Files.write(Fixtures.scratch("empty.state"), new byte[0]);
    Path missing = Fixtures.scratch("missing.state");
    Files.deleteIfExists(missing);
    Path otherOptions = Fixtures.scratch("other-options.state");
    try (Session small = model.newSession(new SessionOptions().context(128))) {
      small.generate(FIRST, GenerateOptions.greedy(8), null);
      small.save(otherOptions.toString());
    }
    Path otherModel = Fixtures.scratch("other-model.state");
    Path chatFile = Fixtures.scratch("chat.state");
    try (Model chatModel = Model.open(Fixtures.chat())) {
      try (Session s = chatModel.newSession(OPTIONS)) {
        s.generate(FIRST, GenerateOptions.greedy(8), null);
        s.save(otherModel.toString());
      }
      try (Session s = chatModel.newSession(OPTIONS); Chat chat = new Chat(s, new ChatOptions().maxTokens(8))) {
        chat.send("Hello", null);
        chat.save(chatFile.toString());
      }
      try (Session plain = chatModel.newSession(OPTIONS)) {
        expectInvalid(chatFile.toString(), () -> plain.load(chatFile.toString()));
        assertEquals(0, plain.position());
      }
    }

    try (Session session = model.newSession(OPTIONS)) {
      for (Path bad : new Path[] {damaged, truncated, empty, missing, otherOptions, otherModel}) {
        session.generate(SECOND, GenerateOptions.greedy(5), null);  // something to lose
        expectInvalid(bad.toString(), () -> session.load(bad.toString()));
        assertEquals("the session is empty", 0, session.position());
        assertEquals("and usable", first, session.generate(FIRST, GenerateOptions.greedy(40), null));
        session.reset();
        expectInvalid(bad.toString(), () -> Session.restore(model, OPTIONS, bad.toString()).close());
      }
    }
  }

  @Test
  public void badArgumentsAndStatesThrow() throws Exception {
    Path file = Fixtures.scratch("args.state");
    Session session = model.newSession(OPTIONS);
    for (Call call : new Call[] {() -> session.save(null), () -> session.load(null),
             () -> session.save("with\u0000nul"), () -> Session.restore(null, OPTIONS, file.toString()),
             () -> Session.restore(model, OPTIONS, null), () -> Session.restore(model, null, file.toString()),
             () -> session.save(Fixtures.scratch("no-such-folder").resolve("x").resolve("y.state").toString())}) {
      try {
        call.run();
        fail("no exception");
      } catch (SprigException e) {
        assertEquals(e.getMessage(), SprigException.INVALID_ARGUMENT, e.code());
      }
    }
    session.close();
    try {
      session.save(file.toString());
      fail("save after close");
    } catch (SprigException e) {
      assertEquals(SprigException.CLOSED, e.code());
    }
  }
}
