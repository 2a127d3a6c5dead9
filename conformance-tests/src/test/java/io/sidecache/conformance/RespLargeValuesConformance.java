package io.sidecache.conformance;

import static io.sidecache.conformance.LargeValues.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Large values on one connection, after Redis's own "Very big payload" test
 * (tests/unit/protocol.tcl): a 4 MB GET, then 100 SETs of up to 500 KB with GETs between them,
 * sent one at a time and pipelined 16 deep, over a raw socket and through Jedis. Every reply must
 * arrive whole and in order and the connection must stay usable (a double release of a reply
 * buffer once shut the connection's output here). Run against Sidecache and a real redis-server.
 */
abstract class RespLargeValuesConformance extends RespClientSuite {
  private static final int BIG = 4 * 1024 * 1024;
  private static final int LARGE = 500 * 1024;
  private static final int SETS = 100;

  /** One command and the exact reply it must get. */
  private record Exchange(String[] command, String reply) {}

  /**
   * The commands after the big value: each SET of a large value is followed by a GET of it, and
   * every tenth by a GET of the big value again.
   */
  private List<Exchange> largeSetsAndGets(Random random, String big, String bigValue) {
    List<Exchange> exchanges = new ArrayList<>();
    for (int i = 0; i < SETS; i++) {
      String k = key();
      String v = LargeValues.random(random, 1 + random.nextInt(LARGE));
      exchanges.add(new Exchange(new String[] {"SET", k, v}, "+OK\r\n"));
      exchanges.add(new Exchange(new String[] {"GET", k}, bulk(v)));
      if (i % 10 == 9) {
        exchanges.add(new Exchange(new String[] {"GET", big}, bulk(bigValue)));
      }
    }
    return exchanges;
  }

  @ParameterizedTest(name = "pipeline {0}")
  @ValueSource(ints = {1, 16})
  void raw_bigGetThenLargeSetsAndGets(int depth) throws IOException {
    Random random = new Random(depth);
    String big = key();
    String bigValue = LargeValues.random(random, BIG);
    assertEquals("+OK\r\n", raw.call("SET", big, bigValue));
    assertSame("GET " + big, bulk(bigValue), raw.call("GET", big));
    List<Exchange> exchanges = largeSetsAndGets(random, big, bigValue);
    for (int from = 0; from < exchanges.size(); from += depth) {
      List<Exchange> batch = exchanges.subList(from, Math.min(exchanges.size(), from + depth));
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      for (Exchange e : batch) {
        bytes.writeBytes(RawResp.command(e.command()));
      }
      raw.send(bytes.toByteArray());
      for (int i = 0; i < batch.size(); i++) {
        assertSame("reply " + (from + i) + " (" + batch.get(i).command()[0] + ")",
            batch.get(i).reply(), raw.reply());
      }
    }
    assertEquals("+PONG\r\n", raw.call("PING"));
  }

  @ParameterizedTest(name = "pipeline {0}")
  @ValueSource(ints = {1, 16})
  void jedis_bigGetThenLargeSetsAndGets(int depth) {
    Random random = new Random(100 + depth);
    String big = key();
    String bigValue = LargeValues.random(random, BIG);
    assertEquals("OK", jedis.set(LargeValues.bytes(big), LargeValues.bytes(bigValue)));
    assertSame("GET " + big, LargeValues.bytes(bigValue), jedis.get(LargeValues.bytes(big)));
    List<Exchange> exchanges = largeSetsAndGets(random, big, bigValue);
    for (int from = 0; from < exchanges.size(); from += depth) {
      List<Exchange> batch = exchanges.subList(from, Math.min(exchanges.size(), from + depth));
      List<Response<byte[]>> gets = new ArrayList<>();
      Pipeline pipeline = jedis.pipelined();
      for (Exchange e : batch) {
        byte[] k = LargeValues.bytes(e.command()[1]);
        if (e.command()[0].equals("SET")) {
          pipeline.set(k, LargeValues.bytes(e.command()[2]));
          gets.add(null);
        } else {
          gets.add(pipeline.get(k));
        }
      }
      pipeline.sync();
      for (int i = 0; i < batch.size(); i++) {
        if (gets.get(i) != null) {
          String reply = batch.get(i).reply();
          String value = reply.substring(reply.indexOf('\n') + 1, reply.length() - 2);
          assertSame("reply " + (from + i), LargeValues.bytes(value), gets.get(i).get());
        }
      }
    }
    assertEquals("PONG", jedis.ping());
  }

  /**
   * A client that dies half-way through a large SET leaves the previous value in place, and a
   * SET with NX after its value is refused at the end (the condition holds at commit, after the
   * value streamed in); GETRANGE and STRLEN of the large value answer from the part they need.
   */
  @org.junit.jupiter.api.Test
  void raw_abandonedLargeSetKeepsThePreviousValue() throws Exception {
    String k = key();
    assertEquals("+OK\r\n", raw.call("SET", k, "old"));
    try (RawResp dying = new RawResp(address())) {
      dying.send("*3\r\n$3\r\nSET\r\n$" + k.length() + "\r\n" + k + "\r\n$" + BIG + "\r\n");
      dying.send(LargeValues.random(new Random(1), BIG / 2));
    }
    String big = LargeValues.random(new Random(2), BIG);
    String other = key();
    // Ordered after the dead client's bytes on the server: by then they were all read.
    assertEquals("+OK\r\n", raw.call("SET", other, big));
    assertEquals(bulk("old"), raw.call("GET", k));
    assertEquals("$-1\r\n", raw.call("SET", other, big.substring(1), "NX"));
    assertEquals(":" + BIG + "\r\n", raw.call("STRLEN", other));
    assertEquals(bulk(big.substring(3_000_000, 3_000_100)),
        raw.call("GETRANGE", other, "3000000", "3000099"));
    assertSame("GET " + other, bulk(big), raw.call("GET", other));
  }

  /** {@code SET ... GET} of a large value over a large one answers the old value, whole. */
  @org.junit.jupiter.api.Test
  void raw_setGetOfALargeValueAnswersThePreviousOne() throws Exception {
    String k = key();
    String first = LargeValues.random(new Random(3), BIG);
    String second = LargeValues.random(new Random(4), BIG);
    assertEquals("+OK\r\n", raw.call("SET", k, first));
    assertSame("SET GET", bulk(first), raw.call("SET", k, second, "GET"));
    assertSame("GETSET", bulk(second), raw.call("GETSET", k, "small"));
    assertEquals(bulk("small"), raw.call("GET", k));
  }

  /**
   * A client that does not read a large reply holds no one else up: an exclusive command (RENAME
   * waits for store operations in flight on every connection) still answers at once.
   */
  @org.junit.jupiter.api.Test
  void raw_aStalledDownloadDoesNotHoldOtherClientsExclusiveCommands() throws Exception {
    String big = key();
    assertEquals("+OK\r\n", raw.call("SET", big, LargeValues.random(new Random(5), BIG)));
    try (RawResp stalled = new RawResp(address())) {
      StringBuilder gets = new StringBuilder();
      for (int i = 0; i < 8; i++) {
        gets.append(new String(RawResp.command("GET", big), java.nio.charset.StandardCharsets.ISO_8859_1));
      }
      stalled.send(gets.toString()); // 32 MB of replies it never reads
      Thread.sleep(200);
      String from = key();
      assertEquals("+OK\r\n", raw.call("SET", from, "v"));
      long start = System.nanoTime();
      assertEquals("+OK\r\n", raw.call("RENAME", from, key()));
      long ms = (System.nanoTime() - start) / 1_000_000;
      org.junit.jupiter.api.Assertions.assertTrue(ms < 5_000, "RENAME took " + ms + " ms");
    }
  }

  /**
   * Bitmap commands on a value longer than a chunk (1 MiB): SETBIT, GETBIT and BITFIELD across a
   * chunk boundary change and read only the bits they name; BITCOUNT and BITPOS over ranges
   * count and find what the bytes hold.
   */
  @Test
  void bitmaps_onALargeValue() throws IOException {
    Random random = new Random(7);
    byte[] value = new byte[1 << 20];
    random.nextBytes(value);
    String k = key();
    assertEquals("OK", jedis.set(LargeValues.bytes(k), value));
    long count = 0;
    for (byte b : value) {
      count += Integer.bitCount(b & 0xff);
    }
    assertEquals(count, jedis.bitcount(k));
    long part = 0;
    for (int i = 100_000; i <= 900_000; i++) {
      part += Integer.bitCount(value[i] & 0xff);
    }
    assertEquals(integer(part), raw.call("BITCOUNT", k, "100000", "900000"));
    // The first clear bit from byte 700000 on.
    long clear = -1;
    for (long bit = 700_000L * 8; clear < 0; bit++) {
      if ((value[(int) (bit >> 3)] >> (7 - (bit & 7)) & 1) == 0) {
        clear = bit;
      }
    }
    assertEquals(integer(clear), raw.call("BITPOS", k, "0", "700000"));
    // A bit in the fourth chunk, then a 64-bit field across the first chunk boundary.
    long bit = 65_472L * 8 * 3 + 5;
    int old = value[(int) (bit >> 3)] >> (7 - (bit & 7)) & 1;
    assertEquals(integer(old), raw.call("SETBIT", k, Long.toString(bit), old == 1 ? "0" : "1"));
    assertEquals(integer(1 - old), raw.call("GETBIT", k, Long.toString(bit)));
    value[(int) (bit >> 3)] ^= (byte) (1 << (7 - (bit & 7)));
    long field = 65_472L * 8 - 20;
    long expected = java.nio.ByteBuffer.wrap(value, (int) (field >> 3), 9).getLong() << 4
        | (value[(int) (field >> 3) + 8] & 0xff) >>> 4;
    assertEquals("*2\r\n:" + expected + "\r\n:-2\r\n", raw.call("BITFIELD", k, "SET", "i64",
        Long.toString(field), "-2", "GET", "i64", Long.toString(field)));
    assertEquals(integer(value.length), raw.call("STRLEN", k));
    byte[] after = jedis.get(LargeValues.bytes(k));
    long v = -2;
    for (int j = 0; j < 64; j++) {
      long b = field + j;
      int mask = 1 << (7 - (int) (b & 7));
      value[(int) (b >> 3)] = (byte) (((v >>> (63 - j)) & 1) != 0
          ? value[(int) (b >> 3)] | mask : value[(int) (b >> 3)] & ~mask);
    }
    LargeValues.assertSame("the value after the writes", value, after);
  }
}
