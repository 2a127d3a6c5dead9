package io.sidecache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NumbersTest {

  private static String add(String value, String increment) {
    byte[] v = value == null ? null : value.getBytes(StandardCharsets.ISO_8859_1);
    try {
      return new String(Numbers.addRedisFloat(v, increment.getBytes(StandardCharsets.ISO_8859_1)),
          StandardCharsets.US_ASCII);
    } catch (NotAFloatException e) {
      return "ERR value is not a valid float";
    } catch (NotFiniteException e) {
      return "ERR increment would produce NaN or Infinity";
    }
  }

  @Test
  void toBytesWritesTheDecimalFormOfEverySignedValue() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(13);
    List<Long> values = new ArrayList<>(List.of(0L, 1L, -1L, 9L, 10L, -10L, 99L, 100L,
        Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1));
    for (long p = 10; ; p *= 10) { // every power of ten up to 10^18, the last that fits
      values.addAll(List.of(p - 1, p, p + 1, -p + 1, -p, -p - 1));
      if (p > Long.MAX_VALUE / 10) {
        break;
      }
    }
    for (int i = 0; i < 10_000; i++) {
      values.add(random.nextLong() >> random.nextInt(64));
    }
    for (long v : values) {
      assertEquals(Long.toString(v), new String(Numbers.toBytes(v), StandardCharsets.US_ASCII));
    }
  }

  @Test
  void addRedisFloat_x87Rounding() {
    assertEquals("123456.70000000000000284", add("123456.7", "0"));
    assertEquals("9999999999999999.599609375", add("9999999999999999.5", "0.1"));
    assertEquals("0.3", add("0.1", "0.2"));
    assertEquals("3", add(null, "3.0e0"));
    assertEquals("0", add("0x1p-16445", "0"));
    assertEquals("10.5", add("10", "0.5"));
    assertEquals("0", add("1.0e-20", "0"));
    assertEquals("0", add("-1.0e-20", "0"));
    assertEquals("0", add("-0", "0"));
    assertEquals("0", add("5", "-5"));
  }

  @Test
  void addRedisFloat_strtoldGrammar() {
    assertEquals("17", add("1", "0x10"));
    assertEquals("9", add("1", "0X1P3"));
    assertEquals("1.5", add("1", "0x.8"));
    assertEquals("1.5", add("1", ".5"));
    assertEquals("6", add("1", "5."));
    assertEquals("100001", add("1", "1e+5"));
    assertEquals("2", add("1", "+1"));
    assertEquals("1", add("1", "0e999999999999999999"));
    String invalid = "ERR value is not a valid float";
    for (String bad : List.of("1f", "1e", "1e+", "0x", "0x1p", ".", "", " 1", "1 ", "nan", "NaN",
        "-nan", "infin", "1.2.3", "--1", "0x1.2.3", "1e5000", "-1e5000", "1e-5000", "0x1p16384",
        "0x1p-16446", "0x1p-16447")) {
      assertEquals(invalid, add("1", bad), bad);
      assertEquals(invalid, add(bad, "1"), bad);
    }
    assertEquals(invalid, add("1", "1".repeat(LongDouble.MAX_CHARS)));
  }

  @Test
  void addRedisFloat_infinityAndLimits() {
    String notFinite = "ERR increment would produce NaN or Infinity";
    assertEquals(notFinite, add("1", "inf"));
    assertEquals(notFinite, add("-Infinity", "1"));
    assertEquals(notFinite, add("inf", "-inf"));
    assertEquals(notFinite, add("1.1e4932", "1.1e4932"));
    assertTrue(add("1e-4940", "0").equals("0"), "a subnormal literal is accepted");
    assertTrue(add("1.18973149535723176e4932", "0").startsWith("11897314953572317"));
  }

  /**
   * Replays 1,500 operand pairs recorded from a real redis-server 7.0.15 on x86-64 (random
   * decimals of every magnitude, hex floats, edge literals) and compares every reply.
   */
  @Test
  void addRedisFloat_matchesRecordedRedis() throws IOException {
    List<String> failures = new ArrayList<>();
    int rows = 0;
    try (InputStream in = getClass().getResourceAsStream("/incrbyfloat-redis-7.0.15.tsv");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t", -1);
        rows++;
        String actual = add(f[0], f[1]);
        if (!actual.equals(f[2])) {
          failures.add(f[0] + " + " + f[1] + ": expected " + f[2] + ", got " + actual);
        }
      }
    }
    assertEquals(1500, rows);
    assertEquals(List.of(), failures);
  }
}
