package org.sprig.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The models run_java_test.sh converted, and the sprig CLI the tests compare against. */
final class Fixtures {
  private Fixtures() {}

  static Path models() {
    return Paths.get(System.getProperty("sprig.models"));
  }

  /** stories260K (llama2.c weights, SentencePiece vocabulary). */
  static String base() {
    return models().resolve("base.sprig").toString();
  }

  /** stories260K-chat (ChatML template). */
  static String chat() {
    return models().resolve("chat.sprig").toString();
  }

  /** The Qwen2.5 byte-level vocabulary, tokenizer only. */
  static String qwen() {
    return models().resolve("qwen.sprig").toString();
  }

  static Path scratch(String name) throws IOException {
    Path dir = models().resolve("scratch");
    Files.createDirectories(dir);
    return dir.resolve(name);
  }

  /** Runs `sprig ARGS...` and returns its standard output (UTF-8); fails on a nonzero exit. */
  static String cli(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("sprig.cli"));
    command.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String out = read(p.getInputStream());
    int status = p.waitFor();
    if (status != 0) throw new AssertionError("sprig " + String.join(" ", args) + " exited with " + status);
    return out;
  }

  /** Runs `sprig ARGS...` with `input` on its standard input; returns its standard error. */
  static String cliWithInput(String input, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(System.getProperty("sprig.cli"));
    command.addAll(Arrays.asList(args));
    Process p = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String err = read(p.getErrorStream());
    int status = p.waitFor();
    if (status != 0) throw new AssertionError("sprig " + String.join(" ", args) + " exited with " + status);
    return err;
  }

  static String read(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    in.transferTo(bytes);
    return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
  }
}
