package io.sidecache.conformance;

import static io.sidecache.conformance.LargeValues.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import net.spy.memcached.internal.GetFuture;
import net.spy.memcached.internal.OperationFuture;
import net.spy.memcached.transcoders.SerializingTranscoder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Items of 1 MiB on one connection: a 1 MiB get, then sets of up to 1 MiB with gets between
 * them, one at a time and pipelined 16 deep over a raw text socket, and through spymemcached in
 * TEXT and BINARY mode (which pipelines its operations on one connection). Every reply must
 * arrive whole and in order and the connection must stay usable. Subclasses run it against
 * Sidecache and a real memcached, both allowing items of up to 2 MiB ({@code -I 2m}).
 */
abstract class MemcachedLargeValuesConformance {
  /** The largest item the servers under test accept ({@code -I 2m}). */
  static final int MAX_ITEM = 2 * 1024 * 1024;
  /** The servers' memory, in bytes: more than the suite writes (~90 MiB), so nothing is evicted. */
  static final long MEMORY_BYTES = 256L * 1024 * 1024;
  private static final int ITEM = 1024 * 1024;
  private static final int SETS = 40;
  private static final AtomicInteger KEYS = new AtomicInteger();
  private String prefix;

  /** Returns the address of the server under test. */
  abstract InetSocketAddress memcachedAddress();

  @BeforeEach
  void prefix(TestInfo info) {
    prefix = info.getTestMethod().orElseThrow().getName() + ":" + System.nanoTime() + ":";
  }

  private String key() {
    return prefix + KEYS.incrementAndGet();
  }

  /** One text request and the exact reply it must get. */
  private record Exchange(String request, String reply) {}

  private static Exchange set(String k, String v) {
    return new Exchange("set " + k + " 0 0 " + v.length() + "\r\n" + v + "\r\n", "STORED\r\n");
  }

  private static Exchange get(String k, String v) {
    return new Exchange("get " + k + "\r\n",
        "VALUE " + k + " 0 " + v.length() + "\r\n" + v + "\r\nEND\r\n");
  }

  @ParameterizedTest(name = "pipeline {0}")
  @ValueSource(ints = {1, 16})
  void text_bigGetThenLargeSetsAndGets(int depth) throws IOException {
    Random random = new Random(depth);
    String big = key();
    String bigValue = LargeValues.random(random, ITEM);
    List<Exchange> exchanges = new ArrayList<>(List.of(set(big, bigValue), get(big, bigValue)));
    for (int i = 0; i < SETS; i++) {
      String k = key();
      String v = LargeValues.random(random, 1 + random.nextInt(ITEM));
      exchanges.add(set(k, v));
      exchanges.add(get(k, v));
      if (i % 10 == 9) {
        exchanges.add(get(big, bigValue));
      }
    }
    try (RawMemcached raw = new RawMemcached(memcachedAddress())) {
      for (int from = 0; from < exchanges.size(); from += depth) {
        List<Exchange> batch = exchanges.subList(from, Math.min(exchanges.size(), from + depth));
        StringBuilder requests = new StringBuilder();
        batch.forEach(e -> requests.append(e.request()));
        raw.send(requests.toString());
        for (int i = 0; i < batch.size(); i++) {
          byte[] reply = new byte[batch.get(i).reply().length()];
          raw.readFully(reply);
          assertSame("reply " + (from + i), LargeValues.bytes(batch.get(i).reply()), reply);
        }
      }
      raw.exchange("version\r\n", "VERSION ");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(ConnectionFactoryBuilder.Protocol.class)
  void spymemcached_largeSetsAndGets(ConnectionFactoryBuilder.Protocol protocol)
      throws Exception {
    SerializingTranscoder transcoder = new SerializingTranscoder(MAX_ITEM);
    transcoder.setCompressionThreshold(Integer.MAX_VALUE);
    MemcachedClient client = new MemcachedClient(
        new ConnectionFactoryBuilder().setProtocol(protocol).setTranscoder(transcoder)
            .setOpTimeout(10_000).build(),
        AddrUtil.getAddresses("127.0.0.1:" + memcachedAddress().getPort()));
    try {
      Random random = new Random(protocol.ordinal());
      String big = key();
      byte[] bigValue = new byte[ITEM];
      random.nextBytes(bigValue);
      assertTrue(client.set(big, 0, bigValue).get(10, TimeUnit.SECONDS));
      assertSame("get " + big, bigValue, (byte[]) client.get(big));
      // spymemcached writes every queued operation on its one connection: 16 sets, then 16 gets
      // of them and of the big item, all in flight at once.
      for (int round = 0; round < 3; round++) {
        List<String> keys = new ArrayList<>();
        List<byte[]> values = new ArrayList<>();
        List<OperationFuture<Boolean>> sets = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          byte[] v = new byte[1 + random.nextInt(ITEM)];
          random.nextBytes(v);
          String k = key();
          keys.add(k);
          values.add(v);
          sets.add(client.set(k, 0, v));
        }
        List<GetFuture<Object>> gets = new ArrayList<>();
        for (String k : keys) {
          gets.add(client.asyncGet(k));
        }
        GetFuture<Object> bigGet = client.asyncGet(big);
        for (int i = 0; i < 16; i++) {
          assertTrue(sets.get(i).get(10, TimeUnit.SECONDS), "set " + keys.get(i));
          assertSame("get " + keys.get(i), values.get(i),
              (byte[]) gets.get(i).get(10, TimeUnit.SECONDS));
        }
        assertSame("get " + big, bigValue, (byte[]) bigGet.get(10, TimeUnit.SECONDS));
      }
      assertEquals(1, client.getVersions().size());
    } finally {
      client.shutdown(5, TimeUnit.SECONDS);
    }
  }

  /**
   * A large {@code ms} (streamed into the store above the chunk size): its condition and flags
   * hold at the end of the block, {@code mg} reads it back with {@code v}, {@code s} and {@code f},
   * and a bad data chunk leaves the old value.
   */
  @org.junit.jupiter.api.Test
  void meta_largeMsThenMgAndABadChunk() throws IOException {
    String k = key();
    String v = LargeValues.random(new java.util.Random(6), ITEM);
    try (RawMemcached raw = new RawMemcached(memcachedAddress())) {
      raw.exchange("ms " + k + " " + ITEM + " F5 T0 ME\r\n" + v + "\r\n", "HD\r\n");
      raw.exchange("ms " + k + " " + ITEM + " ME\r\n" + v + "\r\n", "NS\r\n");
      raw.send("mg " + k + " s v f\r\n");
      assertEquals("VA " + ITEM + " s" + ITEM + " f5", raw.line());
      byte[] data = new byte[ITEM];
      raw.readFully(data);
      assertSame("mg " + k, LargeValues.bytes(v), data);
      assertEquals("", raw.line());
      raw.exchange("ms " + k + " " + ITEM + "\r\n" + v.substring(1) + "xXY",
          "CLIENT_ERROR bad data chunk\r\n");
      raw.send("mg " + k + " s\r\n");
      assertEquals("HD s" + ITEM, raw.line());
    }
  }
}
