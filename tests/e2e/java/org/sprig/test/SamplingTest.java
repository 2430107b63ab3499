package org.sprig.test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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

/**
 * Each sampling stage of GenerateOptions and ChatOptions changes the text exactly as the same
 * `sprig run` / `sprig chat` flag does with the same seed; bad values throw and lose nothing.
 */
public class SamplingTest {
  private static final String PROMPT = "Once upon a time, there was a little girl named Lily.";
  private static final String N = "60";
  private static Model model;

  @BeforeClass
  public static void open() {
    model = Model.open(Fixtures.base());
  }

  @AfterClass
  public static void close() {
    model.close();
  }

  /** `sprig run` with temperature 0.8, seed 7, every other stage off, then `extra` flags. */
  private static String cli(String... extra) throws Exception {
    List<String> args = new ArrayList<>(Arrays.asList("run", "-m", Fixtures.base(), "-p", PROMPT, "-n", N,
        "--temp", "0.8", "--top-k", "0", "--top-p", "1", "--min-p", "0", "--seed", "7"));
    args.addAll(Arrays.asList(extra));
    return Fixtures.cli(args.toArray(new String[0]));
  }

  private static GenerateOptions base() {
    return new GenerateOptions().temperature(0.8f).seed(7).maxTokens(Integer.parseInt(N));
  }

  private static String generate(GenerateOptions options) {
    try (Session session = model.newSession(new SessionOptions())) {
      return session.generate(PROMPT, options, null);
    }
  }

  @Test
  public void eachStageEqualsTheCliFlagAndChangesTheText() throws Exception {
    String plain = generate(base());
    assertEquals(cli(), plain);
    assertTrue(plain.length() > 40);
    Object[][] cases = {
        {base().minP(0.2f), new String[] {"--min-p", "0.2"}},
        {base().topK(5), new String[] {"--top-k", "5"}},
        {base().topP(0.5f), new String[] {"--top-p", "0.5"}},
        {base().repeatPenalty(1.3f), new String[] {"--repeat-penalty", "1.3"}},
        {base().repeatPenalty(1.3f).repeatLastN(8), new String[] {"--repeat-penalty", "1.3", "--repeat-last-n", "8"}},
        {base().presencePenalty(0.8f), new String[] {"--presence-penalty", "0.8"}},
        {base().frequencyPenalty(0.8f), new String[] {"--frequency-penalty", "0.8"}},
        {base().minP(0.2f).repeatPenalty(1.3f), new String[] {"--min-p", "0.2", "--repeat-penalty", "1.3"}},
    };
    List<String> seen = new ArrayList<>();
    seen.add(plain);
    for (Object[] c : cases) {
      String[] flags = (String[]) c[1];
      String text = generate((GenerateOptions) c[0]);
      assertEquals(String.join(" ", flags), cli(flags), text);
      assertNotEquals(String.join(" ", flags) + " changes the text", plain, text);
      seen.add(text);
    }
    // repeatLastN 8 is not the default window of 64
    assertNotEquals(seen.get(4), seen.get(5));
  }

  @Test
  public void theDefaultsAreGreedyAndRecommendedIsTheCliDefault() throws Exception {
    GenerateOptions defaults = new GenerateOptions();
    assertEquals(0.0f, defaults.temperature, 0.0f);
    assertEquals(0.0f, defaults.minP, 0.0f);
    assertEquals(1.0f, defaults.repeatPenalty, 0.0f);
    String greedy = Fixtures.cli("run", "-m", Fixtures.base(), "-p", PROMPT, "-n", N, "--temp", "0", "--seed", "7");
    assertEquals(greedy, generate(defaults.maxTokens(60).seed(123)));
    // The CLI with no sampling flag at all (sprig_sampler_options_init) is GenerateOptions.recommended.
    String cliDefault = Fixtures.cli("run", "-m", Fixtures.base(), "-p", PROMPT, "-n", N, "--seed", "7");
    assertEquals(cliDefault, generate(GenerateOptions.recommended(60).seed(7)));
    assertNotEquals(greedy, cliDefault);
  }

  @Test
  public void badValuesThrowAndTheSessionStaysUsable() throws Exception {
    GenerateOptions[] bad = {
        base().temperature(-1f), base().temperature(Float.NaN), base().topK(-1), base().topP(1.5f),
        base().minP(-0.1f), base().minP(1.5f), base().minP(Float.NaN), base().repeatPenalty(-1f),
        base().repeatPenalty(Float.NaN), base().repeatLastN(-1), base().repeatLastN(4097),
        base().presencePenalty(Float.NaN), base().frequencyPenalty(Float.POSITIVE_INFINITY),
    };
    String expected = cli();
    try (Session session = model.newSession(new SessionOptions())) {
      for (GenerateOptions options : bad) {
        try {
          session.generate(PROMPT, options, null);
          fail("no exception for " + Arrays.toString(new float[] {options.temperature, options.topP, options.minP,
              options.repeatPenalty, options.presencePenalty, options.frequencyPenalty}) + " " + options.topK + " "
              + options.repeatLastN);
        } catch (SprigException e) {
          assertEquals(SprigException.INVALID_ARGUMENT, e.code());
        }
        assertEquals("nothing was fed", 0, session.position());
      }
      assertEquals(expected, session.generate(PROMPT, base(), null));
      try (Chat chat = new Chat(session, new ChatOptions().minP(2f))) {
        fail("a chat with minP 2 was created");
      } catch (SprigException e) {
        assertEquals(SprigException.INVALID_ARGUMENT, e.code());
      }
    }
  }

  @Test
  public void chatPenaltiesEqualTheCli() throws Exception {
    try (Model chatModel = Model.open(Fixtures.chat());
         Session session = chatModel.newSession(new SessionOptions());
         Chat chat = new Chat(session, new ChatOptions().temperature(0.8f).minP(0.2f).repeatPenalty(1.3f)
             .presencePenalty(0.3f).seed(7).maxTokens(48))) {
      String reply = chat.send("Tell me a story about a cat.", null);
      Path file = Fixtures.scratch("sampling-chat.json");
      Files.write(file, "[{\"role\": \"user\", \"content\": \"Tell me a story about a cat.\"}]"
          .getBytes(StandardCharsets.UTF_8));
      String out = Fixtures.cli("chat", "-m", Fixtures.chat(), "--conversation", file.toString(), "-n", "48",
          "--temp", "0.8", "--top-k", "0", "--top-p", "1", "--min-p", "0.2", "--repeat-penalty", "1.3",
          "--presence-penalty", "0.3", "--seed", "7");
      assertEquals(out.substring(0, out.length() - 1), reply);
      assertTrue(reply.length() > 10);
    }
  }
}
