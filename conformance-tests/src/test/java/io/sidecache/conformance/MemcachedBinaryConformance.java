package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.spy.memcached.AddrUtil;
import net.spy.memcached.CASResponse;
import net.spy.memcached.CASValue;
import net.spy.memcached.ConnectionFactoryBuilder;
import net.spy.memcached.MemcachedClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The memcached binary-protocol suite: exact statuses, bodies and ordering over a raw socket
 * (quiet commands, NoOp, malformed and oversized input), and spymemcached in BINARY mode.
 * Subclasses run it against Sidecache and against a real memcached 1.6 (both auto-detect the
 * protocol on one port; memcached with its default 1 MiB item size). CAS values differ between
 * servers, so tests compare them with each other, never with constants.
 */
abstract class MemcachedBinaryConformance {
  private static final AtomicInteger KEYS = new AtomicInteger();
  private static final int GET = 0x00;
  private static final int SET = 0x01;
  private static final int ADD = 0x02;
  private static final int REPLACE = 0x03;
  private static final int DELETE = 0x04;
  private static final int INCR = 0x05;
  private static final int DECR = 0x06;
  private static final int QUIT = 0x07;
  private static final int GETQ = 0x09;
  private static final int NOOP = 0x0a;
  private static final int VERSION = 0x0b;
  private static final int GETK = 0x0c;
  private static final int GETKQ = 0x0d;
  private static final int APPEND = 0x0e;
  private static final int PREPEND = 0x0f;
  private static final int STAT = 0x10;
  private static final int SETQ = 0x11;
  private static final int ADDQ = 0x12;
  private static final int DELETEQ = 0x14;
  private static final int INCRQ = 0x15;
  private static final int TOUCH = 0x1c;
  private static final int GAT = 0x1d;
  private static final int GATQ = 0x1e;

  private RawMemcached raw;
  private String prefix;
  private int opaque = 0x1000;

  /** Returns the address of the server under test. */
  abstract InetSocketAddress memcachedAddress();

  @BeforeEach
  void connect(TestInfo info) throws IOException {
    raw = new RawMemcached(memcachedAddress());
    prefix = "b:" + info.getTestMethod().orElseThrow().getName() + ":" + System.nanoTime() + ":";
  }

  @AfterEach
  void disconnect() throws IOException {
    raw.close();
  }

  private String key() {
    return prefix + KEYS.incrementAndGet();
  }

  // ---- raw packets

  private byte[] packet(int op, String key, byte[] extras, byte[] value, long cas) {
    byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
    int body = extras.length + k.length + value.length;
    return ByteBuffer.allocate(24 + body).put((byte) 0x80).put((byte) op)
        .putShort((short) k.length).put((byte) extras.length).put((byte) 0).putShort((short) 0)
        .putInt(body).putInt(++opaque).putLong(cas).put(extras).put(k).put(value).array();
  }

  private byte[] packet(int op, String key) {
    return packet(op, key, new byte[0], new byte[0], 0);
  }

  private byte[] store(int op, String key, int flags, int exptime, String value, long cas) {
    return packet(op, key, ByteBuffer.allocate(8).putInt(flags).putInt(exptime).array(),
        value.getBytes(StandardCharsets.ISO_8859_1), cas);
  }

  private byte[] arith(int op, String key, long delta, long initial, int exptime) {
    return packet(op, key,
        ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt(exptime).array(),
        new byte[0], 0);
  }

  private static byte[] exptime(int seconds) {
    return ByteBuffer.allocate(4).putInt(seconds).array();
  }

  private void send(byte[]... packets) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] p : packets) {
      all.writeBytes(p);
    }
    raw.send(all.toByteArray());
  }

  /** One response packet. */
  private record Response(int opcode, int status, int opaque, long cas, byte[] extras, String key,
      String value) {
    int flags() {
      return ByteBuffer.wrap(extras).getInt();
    }

    long number() {
      return ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1)).getLong();
    }
  }

  private Response read() throws IOException {
    byte[] h = new byte[24];
    raw.readFully(h);
    ByteBuffer b = ByteBuffer.wrap(h);
    assertEquals(0x81, b.get() & 0xFF, "response magic");
    int op = b.get() & 0xFF;
    int keyLength = b.getShort() & 0xFFFF;
    int extrasLength = b.get() & 0xFF;
    assertEquals(0, b.get(), "data type");
    int status = b.getShort() & 0xFFFF;
    int body = b.getInt();
    int op2 = b.getInt();
    long cas = b.getLong();
    byte[] e = new byte[extrasLength];
    raw.readFully(e);
    byte[] k = new byte[keyLength];
    raw.readFully(k);
    byte[] v = new byte[body - extrasLength - keyLength];
    raw.readFully(v);
    return new Response(op, status, op2, cas, e, new String(k, StandardCharsets.ISO_8859_1),
        new String(v, StandardCharsets.ISO_8859_1));
  }

  /** Sends one packet and reads one response, checking the echoed opcode and opaque. */
  private Response exchange(byte[] packet) throws IOException {
    send(packet);
    Response r = read();
    assertEquals(packet[1] & 0xFF, r.opcode, "opcode echoed");
    assertEquals(opaque, r.opaque, "opaque echoed");
    return r;
  }

  private static void assertError(int status, String message, Response r) {
    assertEquals(status, r.status, r.toString());
    assertEquals(message, r.value, r.toString());
    assertEquals(0, r.extras.length, r.toString());
    assertEquals(0, r.cas, "errors carry no CAS");
  }


  // ---- raw-socket tests

  @Test
  void set_get_getk_flagsAndCas() throws IOException {
    String k = key();
    Response stored = exchange(store(SET, k, 0xCAFEBABE, 0, "hello", 0));
    assertEquals(0, stored.status);
    assertEquals("", stored.value);
    assertNotEquals(0, stored.cas);
    Response got = exchange(packet(GET, k));
    assertEquals(0, got.status);
    assertEquals(0xCAFEBABE, got.flags());
    assertEquals("", got.key);
    assertEquals("hello", got.value);
    assertEquals(stored.cas, got.cas);
    Response gotK = exchange(packet(GETK, k));
    assertEquals(k, gotK.key);
    assertEquals("hello", gotK.value);
  }

  @Test
  void miss_getAndGetk() throws IOException {
    String k = key();
    assertError(1, "Not found", exchange(packet(GET, k)));
    Response missK = exchange(packet(GETK, k));
    assertEquals(1, missK.status);
    assertEquals(k, missK.key);
    assertEquals("", missK.value);
  }

  @Test
  void quietCommands_onlyErrorsAndHits_noopFlushes() throws IOException {
    String a = key();
    String b = key();
    send(store(SETQ, a, 7, 0, "A", 0), store(ADDQ, a, 0, 0, "X", 0), packet(GETQ, b),
        packet(GETKQ, a), packet(DELETEQ, b), arith(INCRQ, b, 1, 0, 0xFFFFFFFF),
        packet(NOOP, ""));
    Response addExists = read();
    assertEquals(ADDQ, addExists.opcode);
    assertError(2, "Data exists for key.", addExists);
    Response hit = read();
    assertEquals(GETKQ, hit.opcode);
    assertEquals(a, hit.key);
    assertEquals("A", hit.value);
    assertEquals(7, hit.flags());
    Response deleteMiss = read();
    assertEquals(DELETEQ, deleteMiss.opcode);
    assertError(1, "Not found", deleteMiss);
    Response incrMiss = read();
    assertEquals(INCRQ, incrMiss.opcode);
    assertError(1, "Not found", incrMiss);
    Response noop = read();
    assertEquals(NOOP, noop.opcode);
    assertEquals(opaque, noop.opaque);
    assertEquals(0, noop.status);
  }

  @Test
  void storage_statuses() throws IOException {
    String k = key();
    long cas = exchange(store(SET, k, 0, 0, "v", 0)).cas;
    assertError(2, "Data exists for key.", exchange(store(ADD, k, 0, 0, "w", 0)));
    assertError(1, "Not found", exchange(store(REPLACE, key(), 0, 0, "w", 0)));
    assertError(2, "Data exists for key.", exchange(store(SET, k, 0, 0, "w", cas + 1000)));
    assertError(1, "Not found", exchange(store(SET, key(), 0, 0, "w", 12345)));
    Response swapped = exchange(store(SET, k, 0, 0, "w", cas));
    assertEquals(0, swapped.status);
    assertNotEquals(cas, swapped.cas);
    assertEquals("w", exchange(packet(GET, k)).value);
  }

  @Test
  void delete_casAndMiss() throws IOException {
    String k = key();
    long cas = exchange(store(SET, k, 0, 0, "v", 0)).cas;
    assertError(2, "Data exists for key.",
        exchange(packet(DELETE, k, new byte[0], new byte[0], cas + 1000)));
    Response deleted = exchange(packet(DELETE, k, new byte[0], new byte[0], cas));
    assertEquals(0, deleted.status);
    assertEquals(0, deleted.cas);
    assertError(1, "Not found", exchange(packet(DELETE, k)));
  }

  @Test
  void incr_decr_initialWrapFloorNonNumeric() throws IOException {
    String k = key();
    Response created = exchange(arith(INCR, k, 5, 10, 0));
    assertEquals(0, created.status);
    assertEquals(10, created.number());
    Response added = exchange(arith(INCR, k, 5, 10, 0));
    assertEquals(15, added.number());
    assertNotEquals(created.cas, added.cas);
    assertEquals(added.cas, exchange(packet(GET, k)).cas);
    assertEquals(10, exchange(arith(DECR, k, 5, 0, 0)).number());
    assertEquals(0, exchange(arith(DECR, k, 100, 0, 0)).number());
    assertError(1, "Not found", exchange(arith(DECR, key(), 1, 0, 0xFFFFFFFF)));
    String max = key();
    exchange(store(SET, max, 0, 0, "18446744073709551615", 0));
    assertEquals(1, exchange(arith(INCR, max, 2, 0, 0)).number());
    String text = key();
    exchange(store(SET, text, 0, 0, "abc", 0));
    assertError(6, "Non-numeric server-side value for incr or decr",
        exchange(arith(INCR, text, 1, 0, 0)));
  }

  @Test
  void append_prepend() throws IOException {
    assertError(5, "Not stored.",
        exchange(packet(APPEND, key(), new byte[0], "x".getBytes(StandardCharsets.US_ASCII), 0)));
    String k = key();
    long cas = exchange(store(SET, k, 3, 0, "mid", 0)).cas;
    Response appended = exchange(packet(APPEND, k, new byte[0], bytes(">"), 0));
    assertEquals(0, appended.status);
    assertNotEquals(cas, appended.cas);
    assertEquals(0, exchange(packet(PREPEND, k, new byte[0], bytes("<"), 0)).status);
    Response got = exchange(packet(GET, k));
    assertEquals("<mid>", got.value);
    assertEquals(3, got.flags());
    assertError(2, "Data exists for key.",
        exchange(packet(APPEND, k, new byte[0], bytes("!"), cas)));
  }

  @Test
  void touch_gat_gatq() throws IOException {
    String k = key();
    long cas = exchange(store(SET, k, 9, 0, "v", 0)).cas;
    Response touched = exchange(packet(TOUCH, k, exptime(100), new byte[0], 0));
    assertEquals(0, touched.status);
    assertEquals(9, touched.flags());
    assertEquals("", touched.value);
    assertEquals(cas, touched.cas);
    Response gat = exchange(packet(GAT, k, exptime(100), new byte[0], 0));
    assertEquals("v", gat.value);
    assertEquals(9, gat.flags());
    assertError(1, "Not found", exchange(packet(TOUCH, key(), exptime(10), new byte[0], 0)));
    assertError(1, "Not found", exchange(packet(GAT, key(), exptime(10), new byte[0], 0)));
    send(packet(GATQ, key(), exptime(10), new byte[0], 0), packet(NOOP, ""));
    assertEquals(NOOP, read().opcode);
  }

  @Test
  void touch_expiresItem() throws Exception {
    String k = key();
    exchange(store(SET, k, 0, 0, "v", 0));
    assertEquals(0, exchange(packet(TOUCH, k, exptime(1), new byte[0], 0)).status);
    Thread.sleep(2100); // memcached's clock ticks in whole seconds
    assertError(1, "Not found", exchange(packet(GET, k)));
  }

  @Test
  void version_noop() throws IOException {
    Response v = exchange(packet(VERSION, ""));
    assertEquals(0, v.status);
    assertTrue(v.value.matches("\\d+\\.\\d+\\.\\d+.*"), v.value);
    assertEquals(0, exchange(packet(NOOP, "")).status);
  }

  @Test
  void stat_generalSettingsUnknown() throws IOException {
    Map<String, String> general = stats("");
    for (String name : List.of("pid", "uptime", "time", "version", "pointer_size",
        "curr_connections", "total_connections", "cmd_get", "cmd_set", "cmd_flush", "cmd_touch",
        "get_hits", "get_misses", "delete_hits", "delete_misses", "incr_hits", "incr_misses",
        "decr_hits", "decr_misses", "cas_hits", "cas_misses", "cas_badval", "touch_hits",
        "touch_misses", "auth_cmds", "auth_errors", "bytes_read", "bytes_written",
        "limit_maxbytes", "threads", "curr_items", "bytes")) {
      assertTrue(general.containsKey(name), name + " in " + general.keySet());
    }
    Map<String, String> settings = stats("settings");
    assertEquals("1048576", settings.get("item_size_max"));
    assertEquals(Integer.toString(memcachedAddress().getPort()), settings.get("tcpport"));
    assertEquals("yes", settings.get("cas_enabled"));
    stats("items"); // memcached lists its slab classes; Sidecache has none: only the end
    assertError(1, "Not found", exchange(packet(STAT, "bogus")));
  }

  @Test
  void stat_detailOnDumpOff_perPrefixCounts() throws IOException {
    String p = "bin" + System.nanoTime();
    assertEquals(Map.of(), stats("detail on"));
    assertEquals(0, exchange(store(SET, p + ":k", 0, 0, "v", 0)).status);
    assertEquals(0, exchange(packet(GET, p + ":k")).status);
    assertEquals(1, exchange(packet(GET, p + ":missing")).status);
    Map<String, String> dump = stats("detail dump");
    assertEquals(Map.of("detailed", "PREFIX " + p + " get 2 hit 1 set 1 del 0\r\nEND\r\n"),
        dump);
    assertEquals(Map.of(), stats("detail off"));
    assertEquals(Map.of(), stats("detail"));
    assertError(1, "Not found", exchange(packet(STAT, "detail foo")));
    stats("reset");
    assertEquals(Map.of("detailed", "END\r\n"), stats("detail dump"));
  }

  private Map<String, String> stats(String group) throws IOException {
    send(packet(STAT, group));
    Map<String, String> map = new HashMap<>();
    for (Response r; !(r = read()).key.isEmpty(); ) {
      assertEquals(0, r.status);
      assertEquals(opaque, r.opaque);
      map.put(r.key, r.value);
    }
    return map;
  }

  @Test
  void unknownOpcode_unknownCommand_connectionGoesOn() throws IOException {
    assertError(0x81, "Unknown command", exchange(packet(0x50, "")));
    assertEquals(0, exchange(packet(NOOP, "")).status);
  }

  @Test
  void tooLarge_valueSwallowed() throws IOException {
    String k = key();
    exchange(store(SET, k, 0, 0, "old", 0));
    Response r = exchange(store(SET, k, 0, 0, "z".repeat(1024 * 1024 + 100), 0));
    assertError(3, "Too large.", r);
    assertError(1, "Not found", exchange(packet(GET, k)));
    assertEquals(0, exchange(packet(NOOP, "")).status);
  }

  @Test
  void keyTooLong_invalidArgumentsThenClose() throws IOException {
    assertError(4, "Invalid arguments", exchange(packet(GET, "k".repeat(251))));
    raw.assertClosed();
  }

  @Test
  void wrongShape_invalidArgumentsThenClose() throws IOException {
    assertError(4, "Invalid arguments", exchange(packet(GET, key(), exptime(1), new byte[0], 0)));
    raw.assertClosed();
  }

  @Test
  void badMagic_closesWithoutAnswer() throws IOException {
    byte[] bad = packet(NOOP, "");
    bad[0] = (byte) 0x81;
    send(packet(NOOP, ""), bad);
    assertEquals(NOOP, read().opcode);
    raw.assertClosed();
  }

  @Test
  void quit_answersThenCloses() throws IOException {
    assertEquals(0, exchange(packet(QUIT, "")).status);
    raw.assertClosed();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  // ---- spymemcached, BINARY mode

  private MemcachedClient spy() throws IOException {
    return new MemcachedClient(
        new ConnectionFactoryBuilder().setProtocol(ConnectionFactoryBuilder.Protocol.BINARY)
            .setOpTimeout(5000).build(),
        AddrUtil.getAddresses("127.0.0.1:" + memcachedAddress().getPort()));
  }

  @Test
  void spy_binary_roundTrip() throws Exception {
    MemcachedClient c = spy();
    try {
      String k = key();
      assertTrue(c.set(k, 0, "value").get(5, TimeUnit.SECONDS));
      assertEquals("value", c.get(k));
      assertFalse(c.add(k, 0, "other").get(5, TimeUnit.SECONDS));
      assertTrue(c.replace(k, 0, "replaced").get(5, TimeUnit.SECONDS));
      assertFalse(c.replace(key(), 0, "x").get(5, TimeUnit.SECONDS));
      CASValue<Object> v = c.gets(k);
      assertEquals(CASResponse.EXISTS, c.cas(k, v.getCas() + 1000, "b"));
      assertEquals(CASResponse.OK, c.cas(k, v.getCas(), "c"));
      assertEquals(CASResponse.NOT_FOUND, c.cas(key(), 1, "x"));
      assertTrue(c.append(0, k, "!").get(5, TimeUnit.SECONDS));
      assertTrue(c.prepend(0, k, "<").get(5, TimeUnit.SECONDS));
      assertEquals("<c!", c.get(k));
      String counter = key();
      assertEquals(-1, c.incr(counter, 1));
      assertEquals(10, c.incr(counter, 1, 10));
      assertEquals(11, c.incr(counter, 1));
      // A decr that keeps the length: memcached space-pads a shorter result in place.
      assertEquals(10, c.decr(counter, 1));
      Map<String, Object> bulk = c.getBulk(k, counter, key());
      assertEquals(Map.of(k, "<c!", counter, "10"), bulk);
      assertEquals(0, c.decr(counter, 100));
      assertTrue(c.touch(k, 100).get(5, TimeUnit.SECONDS));
      assertFalse(c.touch(key(), 100).get(5, TimeUnit.SECONDS));
      assertEquals("<c!", c.getAndTouch(k, 100).getValue());
      assertNull(c.getAndTouch(key(), 100));
      assertTrue(c.delete(k).get(5, TimeUnit.SECONDS));
      assertFalse(c.delete(k).get(5, TimeUnit.SECONDS));
      assertNull(c.get(k));
      assertFalse(c.getVersions().values().iterator().next().isEmpty());
      Map<String, String> stats = c.getStats().values().iterator().next();
      assertTrue(Long.parseLong(stats.get("cmd_get")) > 0, stats.toString());
    } finally {
      c.shutdown(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void spy_binary_flush() throws Exception {
    MemcachedClient c = spy();
    try {
      String k = key();
      assertTrue(c.set(k, 0, "v").get(5, TimeUnit.SECONDS));
      assertTrue(c.flush().get(5, TimeUnit.SECONDS));
      assertNull(c.get(k));
    } finally {
      c.shutdown(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void spy_binary_largeValueAndManyKeys() throws Exception {
    MemcachedClient c = spy();
    try {
      String big = "x".repeat(500_000);
      String k = key();
      assertTrue(c.set(k, 0, big).get(5, TimeUnit.SECONDS));
      assertEquals(big, c.get(k));
      String[] keys = new String[200];
      for (int i = 0; i < keys.length; i++) {
        keys[i] = key();
        c.set(keys[i], 0, "v" + i);
      }
      Map<String, Object> bulk = c.getBulk(keys);
      assertEquals(keys.length, bulk.size());
      assertEquals("v7", bulk.get(keys[7]));
    } finally {
      c.shutdown(5, TimeUnit.SECONDS);
    }
  }
}
