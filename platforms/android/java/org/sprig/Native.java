package org.sprig;

import java.nio.ByteBuffer;

/**
 * The JNI library's entry points (platforms/android/jni). Handles are checked live by the
 * callers' {@link Guard}s; arguments are checked natively.
 */
final class Native {
  static {
    // Tests and desktop JVMs name the file; Android finds libsprig_jni.so in the APK.
    String path = System.getProperty("sprig.jni.library");
    if (path != null && !path.isEmpty()) {
      System.load(path);
    } else {
      System.loadLibrary("sprig_jni");
    }
  }

  private Native() {}

  static native long modelOpen(String path);
  static native long modelFromBuffer(ByteBuffer buffer);
  static native void modelClose(long model);
  static native long[] modelNumbers(long model);
  static native String modelArchitecture(long model);
  static native String modelChatTemplate(long model);
  static native int[] modelTokenize(long model, String text, boolean addBos, boolean special);
  static native String modelTokenText(long model, int token);
  static native byte[] modelTokenBytes(long model, int token);

  static native long sessionBytes(long model, int[] options);
  static native long sessionCreate(long model, int[] options);
  static native void sessionDestroy(long session);
  static native void sessionReset(long session);
  static native void sessionCancel(long session);
  static native long sessionNumber(long session, int which);
  static native void sessionGenerate(long session, String prompt, float[] sampling, int[] counts, long seed,
      int maxTokens, String[] stops, TextCollector collector, int[] stats);
  static native void sessionSave(long session, String path);
  static native void sessionLoad(long session, String path);
  static native int sessionProbs(long session, String text, int k, int[] ids, double[] probabilities);

  static native long chatCreate(long session, float[] sampling, int[] counts, long seed);
  static native void chatDestroy(long chat);
  static native void chatSetMessagesJson(long chat, String json);
  static native String chatMessagesJson(long chat);
  static native String chatPrompt(long chat);
  static native void chatReset(long chat);
  static native void chatTurn(long chat, long session, String user, int maxTokens, TextCollector collector,
      int[] stats);
  static native void chatSave(long chat, String path);
  static native void chatLoad(long chat, String path);

  static void requireNonNull(Object value, String what) {
    if (value == null) throw new SprigException(SprigException.INVALID_ARGUMENT, what + " must not be null");
  }
}
