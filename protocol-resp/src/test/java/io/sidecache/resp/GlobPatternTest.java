package io.sidecache.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class GlobPatternTest {

  private static boolean matches(String pattern, String s) {
    return GlobPattern.compile(pattern.getBytes(StandardCharsets.ISO_8859_1))
        .matches(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void matches_starAndQuestion() {
    assertFalse(matches("*", ""), "as stringmatchlen; KEYS and SCAN treat a lone * as all keys");
    assertTrue(matches("a*", "a"));
    assertTrue(matches("*", "anything"));
    assertTrue(matches("h?llo", "hello"));
    assertFalse(matches("h?llo", "hllo"));
    assertTrue(matches("h*llo", "hllo"));
    assertTrue(matches("h*llo", "heeeello"));
    assertTrue(matches("a**b", "ab"));
    assertTrue(matches("user:*:name", "user:42:name"));
    assertFalse(matches("user:*:name", "user:42:mail"));
    assertFalse(matches("", "a"));
    assertTrue(matches("", ""));
    assertFalse(matches("?", ""));
  }

  @Test
  void matches_bracketsRangesAndNegation() {
    assertTrue(matches("h[ae]llo", "hello"));
    assertFalse(matches("h[ae]llo", "hillo"));
    assertTrue(matches("h[^e]llo", "hallo"));
    assertFalse(matches("h[^e]llo", "hello"));
    assertTrue(matches("h[a-b]llo", "hbllo"));
    assertTrue(matches("h[b-a]llo", "hallo"), "a reversed range is swapped");
    assertTrue(matches("[a-]", "]"), "'a-]' is the range a..] as in C, leaving the bracket open");
    assertTrue(matches("[abc", "c"), "an unterminated bracket ends the pattern");
    assertTrue(matches("[\\]]", "]"));
    assertTrue(matches("[]", "]") == false && !matches("[]", "a"));
  }

  @Test
  void matches_escapes() {
    assertTrue(matches("a\\*b", "a*b"));
    assertFalse(matches("a\\*b", "axb"));
    assertTrue(matches("a\\", "a\\"), "a trailing backslash matches itself");
    assertTrue(matches("\\?", "?"));
  }

  @Test
  void matches_signedCharRanges() {
    // C compares chars as signed on x86: 0xff is -1, so [a-\xff] is the range -1..'a'.
    assertTrue(matches("[a-\u00ff]", "\u00ff"));
    assertTrue(matches("[a-\u00ff]", "0"));
    assertFalse(matches("[a-\u00ff]", "b"));
    assertFalse(matches("[a-\u00ff]", "\u0080"));
  }

  @Test
  void matches_pathologicalPatternIsFast() {
    String s = "a".repeat(60);
    long start = System.nanoTime();
    assertFalse(matches("a*a*a*a*a*a*a*a*a*a*a*a*b", s));
    assertTrue(System.nanoTime() - start < 1_000_000_000L);
  }

  /** 6,000 random cases whose answers come from Redis 7.0's C function compiled on x86-64. */
  @Test
  void matches_agreesWithRedisStringmatchlen() throws IOException {
    HexFormat hex = HexFormat.of();
    List<String> failures = new ArrayList<>();
    int rows = 0;
    try (InputStream in = getClass().getResourceAsStream("/stringmatchlen-cases.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("#")) {
          continue;
        }
        String[] f = line.split(" ");
        byte[] p = f[0].equals("-") ? new byte[0] : hex.parseHex(f[0]);
        byte[] s = f[1].equals("-") ? new byte[0] : hex.parseHex(f[1]);
        rows++;
        boolean expected = f[2].equals("1");
        if (GlobPattern.compile(p).matches(s) != expected) {
          failures.add(line);
        }
      }
    }
    assertEquals(6000, rows);
    assertEquals(List.of(), failures);
  }
}
