package io.sidecache.resp;

import static io.sidecache.resp.RespFrames.bytes;
import static io.sidecache.resp.RespFrames.feed;
import static io.sidecache.resp.RespFrames.writeMultibulk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.redis.RedisMessage;
import io.sidecache.resp.RespFrames.TrackingAllocator;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Randomised property tests of {@link RespDecoder}: generated and mutated RESP/inline pipelines
 * and random bytes, split at random points and fed to an {@code EmbeddedChannel}.
 *
 * <p>Each property runs {@code sidecache.fuzz.tries} cases (default {@value #DEFAULT_TRIES}) from
 * the seed {@code sidecache.fuzz.seed} (default: a new one each run). A failing case is shrunk
 * (bytes removed, splits dropped while it still fails) and reported with its seed, so it can be
 * replayed with {@code -Dsidecache.fuzz.seed=<seed> -Dsidecache.fuzz.tries=1}. docs/testing.md
 * shows a long run.
 */
class RespDecoderFuzzTest {
  static final int DEFAULT_TRIES = 300;
  private static final int TRIES = Integer.getInteger("sidecache.fuzz.tries", DEFAULT_TRIES);
  private static final long SEED = Long.getLong("sidecache.fuzz.seed", new Random().nextLong());
  private static final int SHRINK_STEPS = 3000;
  /** Fewer tries (a replay) are too few to check the share of interesting cases. */
  private static final int MIN_TRIES_FOR_SHARE = 100;

  /** The protocol errors Redis 7 {@code networking.c} sends for malformed requests. */
  private static final Pattern REDIS_PROTOCOL_ERROR = Pattern.compile(
      "invalid multibulk length|invalid bulk length|expected '\\$', got '.'|too big inline request"
          + "|too big mbulk count string|too big bulk count string|unbalanced quotes in request",
      Pattern.DOTALL);

  private static final byte[] PING = RespFrames.multibulk(bytes("PING"));
  private static final byte[] INTERESTING =
      bytes("*$\r\n \"'\\x0123456789-+:abcXYZ\t\u0000\u00ff");
  private static final String[] ODD_NUMBERS = {
    "", "0", "-0", "01", "+1", " 1", "1 ", "-1", "-2", "2147483647", "2147483648", "-2147483648",
    "4294967297", "9223372036854775807", "9223372036854775808", "99999999999999999999",
    "999999999999999999999", "1048577", "536870912", "536870913", "1x", "x"
  };
  private static final String[] NAMES = {"GET", "SET", "PING", "ECHO", "INCR", "GETRANGE", "DEL"};

  /**
   * One input: the decoder's limits, the bytes, the ascending split points, and the requests the
   * generator encoded (rendered), or {@code null} when unknown (mutated or shrunk input).
   */
  record Case(RespLimits limits, byte[] input, int[] cuts, List<String> expected) {
    Case(RespLimits limits, byte[] input, int[] cuts) {
      this(limits, input, cuts, null);
    }

    @Override
    public String toString() {
      return "limits=" + limits + " cuts=" + Arrays.toString(cuts) + " input(" + input.length
          + ")=\"" + escape(input) + "\"";
    }
  }

  /** What the decoder produced: the requests, rendered, and the protocol error, if any. */
  record Outcome(List<String> requests, String error) {}

  @Test
  void decode_arbitraryInput_neverThrowsLeaksOrDependsOnSplits() {
    forAll(rnd -> {
      RespLimits limits = rnd.nextInt(3) == 0 ? RespLimits.DEFAULT
          : new RespLimits(1 + rnd.nextInt(300), 1 + rnd.nextInt(10), 16 + rnd.nextInt(100));
      byte[] input = rnd.nextInt(4) == 0 ? randomBytes(rnd, rnd.nextInt(400))
          : mutate(rnd, encode(rnd, commands(rnd), true));
      return new Case(limits, input, cuts(rnd, input.length));
    }, c -> {
      Outcome whole = decodeChecked(c.limits(), c.input());
      Outcome split = decodeChecked(c.limits(), c.input(), c.cuts());
      assertEquals(whole, split, "split input decoded differently from the whole input");
      return whole.error() != null;
    }, "cases ending in a protocol error", 0.2);
  }

  @Test
  void decode_validPipelines_roundTrip() {
    forAll(rnd -> {
      List<byte[][]> commands = commands(rnd);
      byte[] input = encode(rnd, commands, true);
      List<String> expected = new ArrayList<>();
      for (byte[][] command : commands) {
        expected.add(render(command));
      }
      return new Case(RespLimits.DEFAULT, input, cuts(rnd, input.length), expected);
    }, c -> {
      Outcome out = decodeChecked(c.limits(), c.input(), c.cuts());
      if (c.expected() == null) {
        // A shrunk case no longer matches its generated commands: it must still decode cleanly.
        assertEquals(null, out.error(), "protocol error");
      } else {
        assertEquals(new Outcome(c.expected(), null), out);
      }
      return true;
    }, "round trips", 1.0);
  }

  @Test
  void decode_acceptedByCodecRedis_sameRequests() {
    forAll(rnd -> {
      ByteArrayOutputStream in = new ByteArrayOutputStream();
      for (byte[][] command : commands(rnd)) {
        writeMultibulk(in, command);
      }
      byte[] input = rnd.nextBoolean() ? in.toByteArray() : mutate(rnd, in.toByteArray());
      return new Case(RespLimits.DEFAULT, input, cuts(rnd, input.length));
    }, c -> {
      List<String> reference = referenceIfComplete(c.input(), c.cuts());
      if (reference == null) {
        return false;
      }
      assertEquals(new Outcome(reference, null), decodeChecked(c.limits(), c.input(), c.cuts()),
          "requests that netty-codec-redis accepts");
      return true;
    }, "cases netty-codec-redis accepted", 0.4);
  }

  /**
   * Runs {@code property} on {@link #TRIES} generated cases. The property throws (an
   * {@code AssertionError} or anything else) when it does not hold, and otherwise says whether
   * the case counted towards {@code label}; at least {@code minShare} of the cases must count (from
   * {@value #MIN_TRIES_FOR_SHARE} tries on), so a generator that stops producing interesting input
   * fails the test instead of passing vacuously.
   */
  private static void forAll(Function<Random, Case> generator, Function<Case, Boolean> property,
      String label, double minShare) {
    int counted = 0;
    for (int i = 0; i < TRIES; i++) {
      long seed = SEED + i;
      Case c = generator.apply(new Random(seed));
      boolean counts;
      try {
        counts = property.apply(c);
      } catch (Throwable failure) {
        Case small = shrink(property, c);
        throw new AssertionError("seed " + seed + " (replay: -Dsidecache.fuzz.seed=" + seed
            + " -Dsidecache.fuzz.tries=1), shrunk to " + small + ": " + failure(property, small)
            + "\noriginal case: " + c, failure);
      }
      if (counts) {
        counted++;
      }
    }
    if (TRIES >= MIN_TRIES_FOR_SHARE) {
      assertTrue(counted >= minShare * TRIES,
          label + ": " + counted + " of " + TRIES + " (expected: >= " + minShare * TRIES + ")");
    }
  }

  private static Throwable failure(Function<Case, Boolean> property, Case c) {
    try {
      property.apply(c);
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  /** Removes byte ranges and split points while the case still fails, up to a step budget. */
  private static Case shrink(Function<Case, Boolean> property, Case c) {
    int steps = 0;
    boolean progress = true;
    while (progress && steps < SHRINK_STEPS) {
      progress = false;
      for (int chunk = Math.max(1, c.input().length / 2); chunk >= 1 && steps < SHRINK_STEPS;
          chunk /= 2) {
        for (int from = 0; from + chunk <= c.input().length && steps < SHRINK_STEPS; ) {
          Case smaller = without(c, from, from + chunk);
          steps++;
          if (failure(property, smaller) != null) {
            c = smaller;
            progress = true;
          } else {
            from += chunk;
          }
        }
      }
      for (int i = 0; i < c.cuts().length && steps < SHRINK_STEPS; ) {
        int[] fewer = new int[c.cuts().length - 1];
        System.arraycopy(c.cuts(), 0, fewer, 0, i);
        System.arraycopy(c.cuts(), i + 1, fewer, i, fewer.length - i);
        Case smaller = new Case(c.limits(), c.input(), fewer, c.expected());
        steps++;
        if (failure(property, smaller) != null) {
          c = smaller;
          progress = true;
        } else {
          i++;
        }
      }
    }
    return c;
  }

  private static Case without(Case c, int from, int to) {
    byte[] in = c.input();
    byte[] out = new byte[in.length - (to - from)];
    System.arraycopy(in, 0, out, 0, from);
    System.arraycopy(in, to, out, from, in.length - to);
    int[] cuts = c.cuts().clone();
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = cuts[i] < from ? cuts[i] : Math.max(from, cuts[i] - (to - from));
    }
    return new Case(c.limits(), out, cuts);
  }

  /**
   * Decodes {@code input} fed in pieces and checks the decoder's contract on the way: nothing is
   * thrown out of the pipeline; a protocol error has Redis's text and is the last message, and
   * input after it (here: one more PING) is discarded; {@code finish()} leaves nothing; every
   * buffer is released.
   */
  private static Outcome decodeChecked(RespLimits limits, byte[] input, int... cuts) {
    TrackingAllocator alloc = new TrackingAllocator();
    EmbeddedChannel ch = new EmbeddedChannel(new RespDecoder(limits));
    ch.config().setAllocator(alloc);
    List<String> requests = new ArrayList<>();
    String error = null;
    List<Object> out = feed(ch, input, cuts);
    for (Object m : out) {
      RespRequest r = (RespRequest) m;
      if (error != null) {
        throw new AssertionError("a message after the protocol error '" + error + "': " + render(r));
      }
      error = r.protocolError();
      if (error == null) {
        requests.add(render(r.args()));
      } else {
        assertTrue(REDIS_PROTOCOL_ERROR.matcher(error).matches(), "protocol error text: " + error);
      }
    }
    if (error != null) {
      assertEquals(List.of(), feed(ch, PING), "input after a protocol error is discarded");
    }
    assertEquals(false, ch.finish(), "messages left after finish()");
    assertEquals(0, alloc.unreleased(), "unreleased buffers");
    return new Outcome(requests, error);
  }

  /**
   * Decodes with netty-codec-redis and returns the requests when it accepted all of {@code input}
   * as complete arrays of bulk strings in canonical form (the input is exactly their encoding),
   * otherwise {@code null}. Checks that the reference pipeline released every buffer.
   */
  private static List<String> referenceIfComplete(byte[] input, int... cuts) {
    TrackingAllocator alloc = new TrackingAllocator();
    EmbeddedChannel ch = RespFrames.referenceChannel(alloc);
    List<byte[][]> commands = new ArrayList<>();
    boolean accepted = true;
    try {
      for (Object m : feed(ch, input, cuts)) {
        List<byte[]> args = RespFrames.bulkArgumentsOrNull((RedisMessage) m);
        if (args == null || args.isEmpty()) {
          accepted = false;
        } else {
          commands.add(args.toArray(new byte[0][]));
        }
      }
    } catch (RuntimeException rejected) {
      accepted = false;
    }
    // An incomplete trailing frame fails the comparison below. Remove the handlers (they release
    // what they hold) so that closing does not raise one more error per aggregator.
    while (ch.pipeline().last() != null) {
      ch.pipeline().removeLast();
    }
    ch.finishAndReleaseAll();
    assertEquals(0, alloc.unreleased(), "unreleased buffers in the reference pipeline");
    if (!accepted) {
      return null;
    }
    ByteArrayOutputStream encoded = new ByteArrayOutputStream();
    List<String> requests = new ArrayList<>();
    for (byte[][] command : commands) {
      writeMultibulk(encoded, command);
      requests.add(render(command));
    }
    return Arrays.equals(encoded.toByteArray(), input) ? requests : null;
  }

  // ---- generators ----

  /** 1 to 6 commands of 1 to 6 arguments: command names, short and longer odd byte strings. */
  private static List<byte[][]> commands(Random rnd) {
    List<byte[][]> commands = new ArrayList<>();
    for (int c = rnd.nextInt(6); c >= 0; c--) {
      byte[][] args = new byte[1 + rnd.nextInt(6)][];
      for (int a = 0; a < args.length; a++) {
        switch (rnd.nextInt(4)) {
          case 0:
            args[a] = bytes(NAMES[rnd.nextInt(NAMES.length)]);
            break;
          case 1:
            args[a] = randomBytes(rnd, rnd.nextInt(300));
            break;
          default:
            args[a] = randomBytes(rnd, rnd.nextInt(12));
        }
      }
      commands.add(args);
    }
    return commands;
  }

  /** Bytes from {@link #INTERESTING} (half the time) or any byte. */
  private static byte[] randomBytes(Random rnd, int n) {
    byte[] b = new byte[n];
    boolean interesting = rnd.nextBoolean();
    for (int i = 0; i < n; i++) {
      b[i] = interesting ? INTERESTING[rnd.nextInt(INTERESTING.length)] : (byte) rnd.nextInt(256);
    }
    return b;
  }

  /**
   * Encodes commands as a pipeline: arrays of bulk strings, or (when {@code inline}) inline lines
   * with bare, double-quoted (with escapes) or single-quoted arguments, with empty arrays
   * ({@code *0}, {@code *-1}) and blank lines between them, which Redis skips.
   */
  private static byte[] encode(Random rnd, List<byte[][]> commands, boolean inline) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[][] command : commands) {
      switch (rnd.nextInt(8)) {
        case 0:
          out.writeBytes(bytes(rnd.nextBoolean() ? "*0\r\n" : "*-1\r\n"));
          break;
        case 1:
          out.writeBytes(bytes(inline ? (rnd.nextBoolean() ? "\r\n" : " \t\n") : ""));
          break;
        default:
      }
      if (inline && rnd.nextInt(3) == 0 && inlineSafe(command)) {
        for (int a = 0; a < command.length; a++) {
          out.writeBytes(bytes(a == 0 ? "" : rnd.nextBoolean() ? " " : " \t "));
          // A line that starts with '*' is read as an array header.
          writeInlineArg(rnd, out, command[a], a > 0);
        }
        out.writeBytes(bytes(rnd.nextBoolean() ? "\r\n" : "\n"));
      } else {
        writeMultibulk(out, command);
      }
    }
    return out.toByteArray();
  }

  /**
   * Whether a command survives as an inline line: no NUL bytes (Redis 7 reads inline lines as C
   * strings and stops at a NUL; docs/protocol-resp.md).
   */
  private static boolean inlineSafe(byte[][] command) {
    for (byte[] a : command) {
      for (byte b : a) {
        if (b == 0) {
          return false;
        }
      }
    }
    return true;
  }

  private static void writeInlineArg(Random rnd, ByteArrayOutputStream out, byte[] arg,
      boolean mayStartWithStar) {
    boolean bare = arg.length > 0 && (mayStartWithStar || arg[0] != '*');
    boolean singleQuotable = true;
    for (byte b : arg) {
      bare &= b > ' ' && b < 127 && b != '"' && b != '\'';
      singleQuotable &= b != '\\' && b != '\r' && b != '\n';
    }
    int style = rnd.nextInt(3);
    if (bare && style == 0) {
      out.writeBytes(arg);
    } else if (singleQuotable && style == 1) {
      out.write('\'');
      for (byte b : arg) {
        if (b == '\'') {
          out.write('\\');
        }
        out.write(b);
      }
      out.write('\'');
    } else {
      out.write('"');
      for (byte b : arg) {
        if (b == '"' || b == '\\') {
          out.write('\\');
          out.write(b);
        } else if (b >= ' ' && b < 127) {
          out.write(b);
        } else {
          out.writeBytes(bytes(String.format("\\x%02x", b & 0xff)));
        }
      }
      out.write('"');
    }
  }

  /** Applies 1 to 4 mutations: bit flips, truncation, inserted or replaced bytes, odd lengths. */
  private static byte[] mutate(Random rnd, byte[] input) {
    byte[] b = input;
    for (int m = rnd.nextInt(4); m >= 0; m--) {
      int at = b.length == 0 ? 0 : rnd.nextInt(b.length);
      switch (rnd.nextInt(7)) {
        case 0:
          if (b.length > 0) {
            b = b.clone();
            b[at] ^= (byte) (1 << rnd.nextInt(8));
          }
          break;
        case 1:
          b = Arrays.copyOf(b, at);
          break;
        case 2:
          b = splice(b, at, at, bytes(new String[] {"\r", "\n", "\r\n", "*", "$", "*1\r\n", "$"
              + ODD_NUMBERS[rnd.nextInt(ODD_NUMBERS.length)] + "\r\n"}[rnd.nextInt(7)]));
          break;
        case 3:
          b = replaceNumber(rnd, b);
          break;
        case 4:
          b = splice(b, at, Math.min(b.length, at + rnd.nextInt(20)), new byte[0]);
          break;
        case 5:
          b = splice(b, at, at, Arrays.copyOfRange(b, at, Math.min(b.length, at + rnd.nextInt(40))));
          break;
        default:
          if (b.length > 0) {
            b = b.clone();
            b[at] = INTERESTING[rnd.nextInt(INTERESTING.length)];
          }
      }
    }
    return b;
  }

  /** Replaces the number after a random {@code *} or {@code $} with one of {@link #ODD_NUMBERS}. */
  private static byte[] replaceNumber(Random rnd, byte[] b) {
    List<Integer> headers = new ArrayList<>();
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '*' || b[i] == '$') {
        headers.add(i);
      }
    }
    if (headers.isEmpty()) {
      return b;
    }
    int from = headers.get(rnd.nextInt(headers.size())) + 1;
    int to = from;
    while (to < b.length && b[to] != '\r') {
      to++;
    }
    return splice(b, from, to, bytes(ODD_NUMBERS[rnd.nextInt(ODD_NUMBERS.length)]));
  }

  private static byte[] splice(byte[] b, int from, int to, byte[] insert) {
    byte[] out = new byte[b.length - (to - from) + insert.length];
    System.arraycopy(b, 0, out, 0, from);
    System.arraycopy(insert, 0, out, from, insert.length);
    System.arraycopy(b, to, out, from + insert.length, b.length - to);
    return out;
  }

  /** Split points: none, a few random ones, or (sometimes) every byte. */
  private static int[] cuts(Random rnd, int length) {
    if (length > 0 && rnd.nextInt(8) == 0) {
      int[] all = new int[length - 1];
      Arrays.setAll(all, i -> i + 1);
      return all;
    }
    int[] cuts = new int[rnd.nextInt(6)];
    for (int i = 0; i < cuts.length; i++) {
      cuts[i] = rnd.nextInt(length + 1);
    }
    Arrays.sort(cuts);
    return cuts;
  }

  // ---- rendering ----

  private static String render(RespRequest r) {
    return r.protocolError() != null ? "error " + r.protocolError() : render(r.args());
  }

  private static String render(byte[][] args) {
    StringBuilder sb = new StringBuilder();
    for (byte[] a : args) {
      sb.append(sb.length() == 0 ? "\"" : " \"").append(escape(a)).append('"');
    }
    return sb.toString();
  }

  /** Printable ASCII as is, {@code \\} and {@code "} escaped, any other byte as {@code \xHH}. */
  static String escape(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      if (x == '\\' || x == '"') {
        sb.append('\\').append((char) x);
      } else if (x >= ' ' && x < 127) {
        sb.append((char) x);
      } else {
        sb.append(String.format("\\x%02x", x & 0xff));
      }
    }
    return sb.toString();
  }
}
