package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Differential test of {@code INCRBYFLOAT}: random operands of every shape (decimals with up to
 * 40 digits, exponents near the x87 limits, hex floats, integers beyond 64 bits, values that
 * cancel) are sent to Sidecache and to a real redis-server, and every reply must be byte-equal.
 * The seed is printed in each failure so a run can be repeated.
 */
class IncrByFloatDifferentialIT {
  @RegisterExtension static final RespTarget REDIS = RespTarget.redisServer();
  @RegisterExtension static final RespTarget SIDECACHE = RespTarget.sidecache();

  private static final int CASES = 3000;

  @Test
  void randomOperands_sameRepliesAsRedis() throws IOException {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    List<String> differences = new ArrayList<>();
    try (RawResp redis = new RawResp(REDIS.address());
        RawResp sidecache = new RawResp(SIDECACHE.address())) {
      for (int i = 0; i < CASES; i++) {
        String value = operand(random);
        String increment = random.nextInt(8) == 0 ? negate(value) : operand(random);
        String expected = apply(redis, value, increment);
        String actual = apply(sidecache, value, increment);
        if (!expected.equals(actual)) {
          differences.add(value + " + " + increment + ": redis " + expected.trim()
              + ", sidecache " + actual.trim());
        }
      }
    }
    assertEquals(List.of(), differences, "seed " + seed);
  }

  private static String apply(RawResp target, String value, String increment) throws IOException {
    target.call("SET", "k", value);
    String first = target.call("INCRBYFLOAT", "k", increment);
    // A second step feeds the server's own output back in, as clients do.
    return first + target.call("INCRBYFLOAT", "k", "0.1");
  }

  private static String negate(String s) {
    return s.startsWith("-") ? s.substring(1) : "-" + s;
  }

  private static String digits(Random r, int n) {
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append((char) ('0' + r.nextInt(10)));
    }
    return sb.toString();
  }

  private static String operand(Random r) {
    String sign = r.nextInt(3) == 0 ? "-" : "";
    switch (r.nextInt(9)) {
      case 0:
        return sign + r.nextInt(1_000_000);
      case 1:
        return sign + digits(r, 1 + r.nextInt(12)) + "." + digits(r, 1 + r.nextInt(12));
      case 2:
        return sign + "0." + digits(r, 1 + r.nextInt(40));
      case 3:
        return sign + digits(r, 1 + r.nextInt(25));
      case 4:
        return String.format(Locale.ROOT, "%s%d.%se%d", sign, r.nextInt(10),
            digits(r, 1 + r.nextInt(20)), r.nextInt(80) - 40);
      case 5:
        return String.format(Locale.ROOT, "%s0x%x.%xp%d", sign, r.nextInt(1 << 30),
            r.nextInt(4096), r.nextInt(120) - 60);
      case 6:
        return sign + "1e" + (4900 + r.nextInt(40) * (r.nextBoolean() ? 1 : -2));
      case 7:
        return Double.toString(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20));
      default:
        return sign + digits(r, 1 + r.nextInt(17)) + "." + "5";
    }
  }
}
