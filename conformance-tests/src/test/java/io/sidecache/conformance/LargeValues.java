package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Values of many kilobytes for the large-value suites: seeded random bytes as ISO-8859-1 text
 * (one char per byte, so the raw clients send them as they are), and a comparison that reports
 * the first differing offset instead of printing megabytes.
 */
final class LargeValues {
  private LargeValues() {}

  /** Returns {@code length} random bytes, one char per byte. */
  static String random(Random random, int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** Returns the bytes of {@code s}, one byte per char. */
  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Fails unless {@code actual} equals {@code expected}, naming the first differing offset. */
  static void assertSame(String what, String expected, String actual) {
    if (expected.equals(actual)) {
      return;
    }
    int i = 0;
    int n = Math.min(expected.length(), actual.length());
    while (i < n && expected.charAt(i) == actual.charAt(i)) {
      i++;
    }
    fail(what + ": " + actual.length() + " bytes, expected " + expected.length()
        + "; first difference at offset " + i + ", starting '"
        + printable(actual.substring(i, Math.min(actual.length(), i + 40))) + "'");
  }

  /** Fails unless {@code actual} equals {@code expected}, naming the first differing offset. */
  static void assertSame(String what, byte[] expected, byte[] actual) {
    if (actual == null) {
      fail(what + ": null, expected " + expected.length + " bytes");
    }
    assertSame(what, new String(expected, StandardCharsets.ISO_8859_1),
        new String(actual, StandardCharsets.ISO_8859_1));
  }

  private static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (char c : s.toCharArray()) {
      sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
    }
    return sb.toString();
  }
}
