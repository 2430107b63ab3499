package org.sprig.test;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.sprig.GenerateOptions;
import org.sprig.Model;
import org.sprig.Session;
import org.sprig.SessionOptions;
import org.sprig.SprigException;

/** Text crossing JNI as real UTF-8/UTF-16 on the Qwen2.5 byte-level vocabulary. */
public class TextTest {
  private static Model qwen;

  @BeforeClass
  public static void open() {
    qwen = Model.open(Fixtures.qwen());
  }

  @AfterClass
  public static void close() {
    qwen.close();
  }
  private static final String KOREAN_EMOJI =
      "안녕하세요, 세계! 고양이가 좋아요 😀👍🏽🇰🇷 and 한국어 text.";

  private static String concatenatedBytes(Model model, int[] ids) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int id : ids) bytes.writeBytes(model.tokenBytes(id));
    return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
  }

  @Test
  public void koreanAndEmojiRoundTripThroughTokenizeAndTokenText() {
    Model model = qwen;
    {
      assertTrue(model.info().tokenizerOnly);
      assertTrue(model.info().byteLevel);
      int[] ids = model.tokenize(KOREAN_EMOJI, false);
      assertTrue(ids.length > 10 && ids.length < KOREAN_EMOJI.length());
      assertEquals(KOREAN_EMOJI, concatenatedBytes(model, ids));
      StringBuilder whole = new StringBuilder();
      int wholeTokens = 0;
      for (int id : ids) {
        byte[] bytes = model.tokenBytes(id);
        String decoded = new String(bytes, StandardCharsets.UTF_8);
        if (!decoded.contains("\uFFFD")) {
          assertEquals("token " + id, decoded, model.tokenText(id));
          wholeTokens++;
        } else {
          assertTrue("a partial character shows as U+FFFD", model.tokenText(id).contains("\uFFFD"));
        }
        whole.append(model.tokenText(id));
      }
      assertTrue(wholeTokens > ids.length / 2);
      // Korean syllables are whole tokens in this vocabulary.
      assertTrue(whole.toString().contains("안녕하세요"));
      // Korean tokens' texts, token by token.
      StringBuilder hello = new StringBuilder();
      for (int id : model.tokenize("안녕하세요", false)) {
        String t = model.tokenText(id);
        assertTrue("whole syllables: " + t,
            !t.isEmpty() && t.codePoints().allMatch(cp -> cp >= 0xAC00 && cp <= 0xD7A3));
        hello.append(t);
      }
      assertEquals("안녕하세요", hello.toString());
      // Control tokens only with special parsing.
      assertEquals(1, model.tokenize("<|im_end|>", true).length);
      assertTrue(model.tokenize("<|im_end|>", false).length > 1);
      assertEquals("<|im_end|>", model.tokenText(model.tokenize("<|im_end|>", true)[0]));
    }
  }

  @Test
  public void surrogatePairsSplitAcrossConversionChunksStayWhole() {
    Model model = qwen;
    {
      // The JNI converts 512 UTF-16 units at a time; put emoji on every boundary nearby.
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < 1600; i++) b.append(i % 511 == 0 ? "😀" : i % 7 == 0 ? "한" : "a");
      String text = b.toString();
      assertEquals(text, concatenatedBytes(model, model.tokenize(text, false)));
    }
  }

  @Test
  public void unpairedSurrogatesBecomeReplacementCharacters() {
    Model model = qwen;
    {
      assertArrayEquals(model.tokenize("a\uFFFDb\uFFFD", false), model.tokenize("a\uD800b\uDC00", false));
      assertEquals("a\uFFFDb\uFFFD", concatenatedBytes(model, model.tokenize("a\uD800b\uDC00", false)));
    }
  }

  @Test
  public void aTokenizerOnlyFileMakesNoSession() {
    try {
      qwen.newSession(new SessionOptions());
      fail("a session from a tokenizer-only file");
    } catch (SprigException e) {
      assertTrue(e.getMessage(), e.code() == SprigException.MEMORY || e.code() == SprigException.INVALID_ARGUMENT
          || e.code() == SprigException.MODEL);
    }
  }

  @Test
  public void generatedKoreanAndEmojiArriveWholeInOnToken() throws Exception {
    String model = Fixtures.models().resolve("qwen-random.sprig").toString();
    String prompt = "안녕하세요 😀";
    // Seed 5 draws Hangul and characters beyond U+FFFF and no invalid byte sequence from this
    // random-weight model, so a U+FFFD in the output could only come from a split character.
    String expected = Fixtures.cli("run", "-m", model, "-p", prompt, "-n", "200", "--temp", "1", "--top-k", "0",
        "--top-p", "1", "--seed", "5", "-c", "512");
    try (Model m = Model.open(model); Session session = m.newSession(new SessionOptions().context(512))) {
      List<String> pieces = new ArrayList<>();
      String text = session.generate(prompt, new GenerateOptions().temperature(1).seed(5).maxTokens(200), pieces::add);
      assertEquals(expected, text);
      assertEquals(text, String.join("", pieces));
      int hangul = 0;
      int astral = 0;
      for (String piece : pieces) {
        for (int i = 0; i < piece.length(); i++) {
          char c = piece.charAt(i);
          // Whole characters only: no piece ends inside a surrogate pair.
          if (Character.isHighSurrogate(c)) {
            assertTrue(i + 1 < piece.length() && Character.isLowSurrogate(piece.charAt(i + 1)));
          }
          if (Character.isLowSurrogate(c)) assertTrue(i > 0 && Character.isHighSurrogate(piece.charAt(i - 1)));
        }
        hangul += (int) piece.codePoints().filter(cp -> cp >= 0xAC00 && cp <= 0xD7A3).count();
        astral += (int) piece.codePoints().filter(cp -> cp > 0xFFFF).count();
      }
      assertTrue("Korean syllables in the output: " + hangul, hangul > 0);
      assertTrue("characters beyond U+FFFF in the output: " + astral, astral > 0);
      assertFalse(text.contains("\uFFFD"));
    }
  }
}
