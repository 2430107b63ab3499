package org.sprig.test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.sprig.GenerateOptions;
import org.sprig.Model;
import org.sprig.Session;
import org.sprig.SessionOptions;
import org.sprig.StopReason;
import org.sprig.TokenProbability;

/** Session.generate and Session.probs on stories260K against the sprig CLI. */
public class GenerateTest {
  private static final String PROMPT = "Once upon a time, there was a little girl named Lily.";
  private static Model model;

  @BeforeClass
  public static void open() {
    model = Model.open(Fixtures.base());
  }

  @AfterClass
  public static void close() {
    model.close();
  }

  @Test
  public void greedyGenerationEqualsTheCli() throws Exception {
    String expected = Fixtures.cli("run", "-m", Fixtures.base(), "-p", PROMPT, "-n", "200", "--temp", "0",
        "--top-k", "0", "--top-p", "1", "--seed", "0");
    assertTrue("the CLI wrote a story", expected.length() > 100);
    try (Session session = model.newSession(new SessionOptions())) {
      StringBuilder streamed = new StringBuilder();
      List<String> pieces = new ArrayList<>();
      String text = session.generate(PROMPT, GenerateOptions.greedy(200), piece -> {
        streamed.append(piece);
        pieces.add(piece);
      });
      assertEquals(expected, text);
      assertEquals("the listener receives exactly the returned text", text, streamed.toString());
      for (String piece : pieces) assertFalse("no empty pieces", piece.isEmpty());
      assertTrue(session.lastStats().promptTokens > 10);
      assertEquals(session.position(), session.lastStats().promptTokens + session.lastStats().generatedTokens);
    }
  }

  @Test
  public void stopStringsEndTheTextBeforeThemAndTheListenerNeverSeesThem() {
    try (Session session = model.newSession(new SessionOptions())) {
      String full = session.generate(PROMPT, GenerateOptions.greedy(200), null);
      int cut = full.indexOf(" she ");
      assertTrue("the greedy story has \" she \"", cut > 0);
      session.reset();
      StringBuilder streamed = new StringBuilder();
      String text = session.generate(PROMPT, GenerateOptions.greedy(200).stop(" she ", "no such text"),
          streamed::append);
      assertEquals(full.substring(0, cut), text);
      assertEquals(text, streamed.toString());
      assertEquals(StopReason.STOP_STRING, session.lastStats().stop);
    }
  }

  @Test
  public void cancelFromAnotherThreadStopsWithinOneToken() throws Exception {
    SessionOptions options = new SessionOptions().context(256).onContextFull(SessionOptions.ContextPolicy.SHIFT)
        .keepTokens(1);
    try (Session session = model.newSession(options)) {
      AtomicInteger tokensSeen = new AtomicInteger();
      AtomicInteger seenAtCancel = new AtomicInteger(-1);
      CountDownLatch running = new CountDownLatch(1);
      Thread canceller = new Thread(() -> {
        try {
          running.await();
        } catch (InterruptedException e) {
          return;
        }
        session.cancel();
        // Read after the flag is set, so a descheduled thread here cannot make the test flaky:
        // at most one piece may follow the moment cancel() returned.
        seenAtCancel.set(tokensSeen.get());
      });
      canceller.start();
      // Sampling at temperature 1 keeps the story going for thousands of tokens.
      GenerateOptions sampling = new GenerateOptions().temperature(1.0f).seed(7).maxTokens(10_000);
      session.generate(PROMPT, sampling, piece -> {
        if (tokensSeen.incrementAndGet() == 20) running.countDown();
      });
      canceller.join();
      assertEquals(StopReason.CANCELLED, session.lastStats().stop);
      int generated = session.lastStats().generatedTokens;
      assertTrue("cancelled after 20 pieces, generated " + generated, generated >= 20 && generated < 10_000);
      // Each piece comes with a token; the token in flight when cancel() came is the last.
      assertTrue("pieces after cancel: " + (tokensSeen.get() - seenAtCancel.get()),
          tokensSeen.get() - seenAtCancel.get() <= 1);
    }
  }

  @Test
  public void probsEqualTheCli() throws Exception {
    String prompt = "The capital of England is";
    String json = Fixtures.cli("probs", "-m", Fixtures.base(), "-p", prompt, "-k", "10", "--json");
    Matcher m = Pattern.compile(
        "\\{\"id\": (\\d+), \"token\": \"(?:[^\"\\\\]|\\\\.)*\", \"probability\": ([0-9.e+-]+)\\}").matcher(json);
    List<int[]> ids = new ArrayList<>();
    List<Double> probabilities = new ArrayList<>();
    while (m.find()) {
      ids.add(new int[] {Integer.parseInt(m.group(1))});
      probabilities.add(Double.parseDouble(m.group(2)));
    }
    assertEquals(10, ids.size());
    try (Session session = model.newSession(new SessionOptions())) {
      TokenProbability[] top = session.probs(prompt, 10);
      assertEquals(10, top.length);
      double sum = 0;
      for (int i = 0; i < 10; i++) {
        assertEquals("rank " + i, ids.get(i)[0], top[i].id);
        assertEquals("rank " + i, probabilities.get(i), top[i].probability, 1e-6);
        assertEquals(model.tokenText(top[i].id), top[i].text);
        if (i > 0) assertTrue(top[i].probability <= top[i - 1].probability);
        sum += top[i].probability;
      }
      assertTrue(sum > 0.1 && sum <= 1.0 + 1e-9);
      // The whole distribution sums to one.
      TokenProbability[] all = session.probs(prompt, 1 << 20);
      assertEquals(model.info().vocabSize, all.length);
      double total = 0;
      for (TokenProbability p : all) total += p.probability;
      assertEquals(1.0, total, 1e-9);
    }
  }

  @Test
  public void modelInfoDescribesStories260K() {
    assertEquals("llama", model.info().family);
    assertEquals(512, model.info().vocabSize);
    assertEquals(5, model.info().layers);
    assertEquals(64, model.info().dim);
    assertEquals(null, model.info().chatTemplate);
    assertFalse(model.info().tokenizerOnly);
    assertTrue(model.info().parameters > 200_000 && model.info().parameters < 300_000);
    assertTrue(model.info().addsBos);
  }
}
