package org.sprig.test;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.sprig.Chat;
import org.sprig.ChatOptions;
import org.sprig.Model;
import org.sprig.Session;
import org.sprig.SessionOptions;

/** Chat on stories260K-chat against `sprig chat --conversation`, greedy. */
public class ChatTest {
  private static final String FIRST = "Tell me a story about a cat.";
  private static final String SECOND = "What did the cat do next?";
  private static Model model;

  @BeforeClass
  public static void open() {
    model = Model.open(Fixtures.chat());
  }

  @AfterClass
  public static void close() {
    model.close();
  }

  private static String cliReply(String conversationJson) throws Exception {
    Path file = Fixtures.scratch("conversation-" + conversationJson.length() + ".json");
    Files.write(file, conversationJson.getBytes(StandardCharsets.UTF_8));
    String out = Fixtures.cli("chat", "-m", Fixtures.chat(), "--conversation", file.toString(), "-n", "64",
        "--temp", "0", "--top-k", "0", "--top-p", "1", "--seed", "0");
    assertTrue(out.endsWith("\n"));
    return out.substring(0, out.length() - 1);
  }

  private static String withUser(String messagesJson, String user) {
    int end = messagesJson.lastIndexOf(']');
    String head = messagesJson.substring(0, end).trim();
    String separator = head.endsWith("[") ? "" : ", ";
    return head + separator + "{\"role\": \"user\", \"content\": \"" + user + "\"}]";
  }

  @Test
  public void twoTurnsEqualTheCliAndTheSecondPrefillsOnlyItsOwnTokens() throws Exception {
    try (Session session = model.newSession(new SessionOptions());
         Chat chat = new Chat(session, new ChatOptions().maxTokens(64))) {
      StringBuilder streamed = new StringBuilder();
      String first = chat.send(FIRST, streamed::append);
      assertEquals(first, streamed.toString());
      assertEquals(cliReply(withUser("[]", FIRST)), first);
      assertTrue(first.length() > 20);
      int firstPrefill = chat.lastTurn().prefilledTokens;
      assertEquals(firstPrefill, session.prefilledTokens());

      String conversation = withUser(chat.messagesJson(), SECOND);
      String secondExpected = cliReply(conversation);
      long before = session.prefilledTokens();
      int cached = session.position();
      String second = chat.send(SECOND, null);
      assertEquals(secondExpected, second);
      int prefilled = chat.lastTurn().prefilledTokens;
      assertEquals(prefilled, session.prefilledTokens() - before);
      // Nothing before the turn was recomputed: the cache grew by exactly the turn's tokens.
      assertEquals(cached + prefilled + chat.lastTurn().generatedTokens, session.position());
      // The CLI's interactive chat prefills the same for its second turn.
      String cli = Fixtures.cliWithInput(FIRST + "\n" + SECOND + "\n", "chat", "-m", Fixtures.chat(), "-n", "64",
          "--temp", "0", "--top-k", "0", "--top-p", "1", "--seed", "0");
      Matcher m = Pattern.compile("\\[prefilled (\\d+) tokens").matcher(cli);
      assertTrue(m.find());
      assertEquals(Integer.parseInt(m.group(1)), firstPrefill);
      assertTrue(m.find());
      assertEquals(Integer.parseInt(m.group(1)), prefilled);
      // Computed from scratch, the same conversation prefills far more.
      try (Session fresh = model.newSession(new SessionOptions());
           Chat scratch = new Chat(fresh, new ChatOptions().maxTokens(64))) {
        scratch.setMessagesJson(conversation);
        assertEquals(second, scratch.send("", null));
        int whole = scratch.lastTurn().prefilledTokens;
        assertTrue("turn 2 prefilled " + prefilled + ", from scratch " + whole, whole > cached + prefilled - 5);
      }
    }
  }

  @Test
  public void aSavedChatResumesWithoutRecomputing() throws Exception {
    Path file = Fixtures.scratch("chat.session");
    String second;
    int secondPrefill;
    try (Session session = model.newSession(new SessionOptions());
         Chat chat = new Chat(session, new ChatOptions().maxTokens(64))) {
      chat.send(FIRST, null);
      chat.save(file.toString());
      second = chat.send(SECOND, null);
      secondPrefill = chat.lastTurn().prefilledTokens;
    }
    try (Session session = model.newSession(new SessionOptions());
         Chat chat = new Chat(session, new ChatOptions().maxTokens(64))) {
      chat.load(file.toString());
      long before = session.prefilledTokens();
      assertEquals(second, chat.send(SECOND, null));
      assertEquals("the resumed chat prefills only turn 2's tokens", secondPrefill, session.prefilledTokens() - before);
    }
  }

  @Test
  public void theSystemPromptIsTheFirstMessage() {
    try (Session session = model.newSession(new SessionOptions());
         Chat chat = new Chat(session, new ChatOptions().systemPrompt("Be \"kind\".\n안녕 😀"))) {
      assertEquals("[{\"role\": \"system\", \"content\": \"Be \\\"kind\\\".\\n안녕 😀\"}]",
          chat.messagesJson().replaceAll("\\s*\n\\s*", "").replace("[ ", "["));
      chat.reset();
      assertTrue(chat.messagesJson().contains("안녕 😀"));
      assertTrue(chat.renderedPrompt().contains("Be \"kind\".\n안녕 😀"));
    }
  }
}
