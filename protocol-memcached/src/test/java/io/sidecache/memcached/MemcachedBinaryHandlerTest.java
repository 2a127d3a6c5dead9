package io.sidecache.memcached;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sidecache.store.Key;
import io.sidecache.store.memory.MemoryStore;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The binary protocol through {@link MemcachedServerInitializer} (auto-detection, {@link
 * MemcachedBinaryDecoder}, {@link MemcachedBinaryHandler}) in an {@link EmbeddedChannel} over a
 * real {@link MemoryStore} with a fake clock. Every request is fed one byte at a time, so every
 * split of every packet is decoded. Expected statuses and layouts are memcached 1.6's ({@code
 * proto_bin.c}; spot-checked against memcached 1.6.18).
 */
class MemcachedBinaryHandlerTest {
  private static final int MAX_ITEM = 1024;
  private static final long START = 1_700_000_000_000L;
  private static final int GET = 0x00;
  private static final int SET = 0x01;
  private static final int ADD = 0x02;
  private static final int REPLACE = 0x03;
  private static final int DELETE = 0x04;
  private static final int INCR = 0x05;
  private static final int DECR = 0x06;
  private static final int QUIT = 0x07;
  private static final int FLUSH = 0x08;
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
  private static final int QUITQ = 0x17;
  private static final int FLUSHQ = 0x18;
  private static final int TOUCH = 0x1c;
  private static final int GAT = 0x1d;
  private static final int GATQ = 0x1e;
  private static final int LIST_MECHS = 0x20;
  private static final int AUTH = 0x21;
  private static final int STEP = 0x22;

  private final AtomicLong now = new AtomicLong(START);
  private MemoryStore store;
  private EmbeddedChannel channel;
  private int opaque = 1000;

  @BeforeEach
  void setUp() {
    store = MemoryStore.builder().maximumBytes(1 << 24).ticker(now::get)
        .executor(Runnable::run).build();
    channel = channel(null);
  }

  private EmbeddedChannel channel(MemcachedSasl sasl) {
    return new EmbeddedChannel(new MemcachedServerInitializer(store, now::get, MAX_ITEM, 2, sasl, null));
  }

  @AfterEach
  void tearDown() {
    assertEquals(List.of(), responses(), "unread responses");
    channel.finishAndReleaseAll();
  }

  // ---- requests and responses

  private static byte[] extras(long... fields) {
    ByteBuffer b = ByteBuffer.allocate(fields.length * 8);
    for (long f : fields) {
      b.putLong(f);
    }
    return b.array();
  }

  private static byte[] ints(int... fields) {
    ByteBuffer b = ByteBuffer.allocate(fields.length * 4);
    for (int f : fields) {
      b.putInt(f);
    }
    return b.array();
  }

  private static byte[] incrExtras(long delta, long initial, int expiration) {
    return ByteBuffer.allocate(20).putLong(delta).putLong(initial).putInt(expiration).array();
  }

  private byte[] packet(int op, String key, byte[] ext, byte[] value, long cas) {
    byte[] k = key.getBytes(StandardCharsets.ISO_8859_1);
    int body = ext.length + k.length + value.length;
    return ByteBuffer.allocate(24 + body).put((byte) 0x80).put((byte) op).putShort((short) k.length)
        .put((byte) ext.length).put((byte) 0).putShort((short) 0).putInt(body).putInt(++opaque)
        .putLong(cas).put(ext).put(k).put(value).array();
  }

  private byte[] packet(int op, String key) {
    return packet(op, key, new byte[0], new byte[0], 0);
  }

  private byte[] set(int op, String key, int flags, int exptime, String value, long cas) {
    return packet(op, key, ints(flags, exptime), value.getBytes(StandardCharsets.ISO_8859_1), cas);
  }

  /** Feeds the packets one byte at a time and returns the responses. */
  private List<Response> send(byte[]... packets) {
    for (byte[] p : packets) {
      for (byte b : p) {
        if (!channel.isOpen()) {
          break;
        }
        channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
      }
    }
    return responses();
  }

  private Response one(byte[] packet) {
    List<Response> r = send(packet);
    assertEquals(1, r.size(), r.toString());
    assertEquals(opaque, r.get(0).opaque, "opaque echoed");
    return r.get(0);
  }

  private List<Response> responses() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
      byte[] a = new byte[b.readableBytes()];
      b.readBytes(a);
      b.release();
      bytes.writeBytes(a);
    }
    ByteBuffer in = ByteBuffer.wrap(bytes.toByteArray());
    List<Response> out = new ArrayList<>();
    while (in.hasRemaining()) {
      out.add(Response.read(in));
    }
    return out;
  }

  /** One decoded response packet. */
  private record Response(int magic, int opcode, int status, int opaque, long cas, byte[] extras,
      String key, String value) {
    static Response read(ByteBuffer in) {
      int magic = in.get() & 0xFF;
      int opcode = in.get() & 0xFF;
      int keyLength = in.getShort() & 0xFFFF;
      int extrasLength = in.get() & 0xFF;
      in.get();
      int status = in.getShort() & 0xFFFF;
      int body = in.getInt();
      int opaque = in.getInt();
      long cas = in.getLong();
      byte[] e = new byte[extrasLength];
      in.get(e);
      byte[] k = new byte[keyLength];
      in.get(k);
      byte[] v = new byte[body - extrasLength - keyLength];
      in.get(v);
      return new Response(magic, opcode, status, opaque, cas, e,
          new String(k, StandardCharsets.ISO_8859_1), new String(v, StandardCharsets.ISO_8859_1));
    }

    int flags() {
      return ByteBuffer.wrap(extras).getInt();
    }

    long number() {
      return ByteBuffer.wrap(value.getBytes(StandardCharsets.ISO_8859_1)).getLong();
    }
  }

  private void assertStatus(int status, String message, Response r) {
    assertEquals(0x81, r.magic);
    assertEquals(status, r.status, r.toString());
    assertEquals(message, r.value, r.toString());
    assertEquals(0, r.extras.length);
  }

  // ---- tests

  @Test
  void set_get_roundTripWithFlagsAndCas() {
    Response stored = one(set(SET, "k", 0xDEADBEEF, 0, "hello", 0));
    assertStatus(0, "", stored);
    assertEquals(SET, stored.opcode);
    assertTrue(stored.cas > 0);
    Response got = one(packet(GET, "k"));
    assertEquals(0, got.status);
    assertEquals(0xDEADBEEF, got.flags());
    assertEquals("", got.key);
    assertEquals("hello", got.value);
    assertEquals(stored.cas, got.cas);
    Response gotK = one(packet(GETK, "k"));
    assertEquals("k", gotK.key);
    assertEquals("hello", gotK.value);
  }

  @Test
  void get_miss_statuses() {
    assertStatus(1, "Not found", one(packet(GET, "nope")));
    Response missK = one(packet(GETK, "nope"));
    assertEquals(1, missK.status);
    assertEquals("nope", missK.key);
    assertEquals("", missK.value);
  }

  @Test
  void quietGets_answerOnlyHits_noopAnswers() {
    send(set(SETQ, "a", 1, 0, "A", 0));
    List<Response> r = send(packet(GETQ, "missing"), packet(GETKQ, "a"), packet(GETQ, "a"),
        packet(NOOP, ""));
    assertEquals(3, r.size(), r.toString());
    assertEquals(GETKQ, r.get(0).opcode);
    assertEquals("a", r.get(0).key);
    assertEquals("A", r.get(0).value);
    assertEquals(GETQ, r.get(1).opcode);
    assertEquals("", r.get(1).key);
    assertEquals(NOOP, r.get(2).opcode);
    assertEquals(opaque, r.get(2).opaque);
  }

  @Test
  void quietStorage_silentOnSuccess_errorsSent() {
    List<Response> r = send(set(SETQ, "q", 0, 0, "v", 0), set(ADDQ, "q", 0, 0, "w", 0),
        packet(DELETEQ, "nope"), packet(DELETEQ, "q"), packet(NOOP, ""));
    assertEquals(3, r.size(), r.toString());
    assertEquals(ADDQ, r.get(0).opcode);
    assertStatus(2, "Data exists for key.", r.get(0));
    assertEquals(DELETEQ, r.get(1).opcode);
    assertStatus(1, "Not found", r.get(1));
    assertEquals(NOOP, r.get(2).opcode);
    assertNull(entry("q"));
  }

  @Test
  void add_replace_cas_statuses() {
    long cas = one(set(SET, "k", 0, 0, "v", 0)).cas;
    assertStatus(2, "Data exists for key.", one(set(ADD, "k", 0, 0, "w", 0)));
    assertStatus(1, "Not found", one(set(REPLACE, "absent", 0, 0, "w", 0)));
    assertStatus(2, "Data exists for key.", one(set(SET, "k", 0, 0, "w", cas + 100)));
    assertStatus(1, "Not found", one(set(SET, "absent", 0, 0, "w", 5)));
    Response swapped = one(set(SET, "k", 0, 0, "w", cas));
    assertStatus(0, "", swapped);
    assertNotEquals(cas, swapped.cas);
    assertEquals("w", one(packet(GET, "k")).value);
    assertStatus(0, "", one(set(ADD, "new", 0, 0, "x", 0)));
    assertStatus(0, "", one(set(REPLACE, "new", 0, 0, "y", 0)));
  }

  @Test
  void delete_withCas() {
    long cas = one(set(SET, "k", 0, 0, "v", 0)).cas;
    assertStatus(2, "Data exists for key.",
        one(packet(DELETE, "k", new byte[0], new byte[0], cas + 1)));
    Response deleted = one(packet(DELETE, "k", new byte[0], new byte[0], cas));
    assertStatus(0, "", deleted);
    assertEquals(0, deleted.cas);
    assertStatus(1, "Not found", one(packet(DELETE, "k")));
  }

  @Test
  void incr_createsWithInitial_wrapsAndFloors() {
    Response created = one(packet(INCR, "n", incrExtras(5, 10, 0), new byte[0], 0));
    assertEquals(0, created.status);
    assertEquals(10, created.number());
    assertTrue(created.cas > 0);
    Response added = one(packet(INCR, "n", incrExtras(5, 10, 0), new byte[0], 0));
    assertEquals(15, added.number());
    assertEquals(entry("n").cas(), added.cas);
    assertEquals("15", new String(entry("n").value(), StandardCharsets.US_ASCII));
    assertEquals(0, one(packet(DECR, "n", incrExtras(100, 0, 0), new byte[0], 0)).number());
    assertStatus(1, "Not found",
        one(packet(INCR, "absent", incrExtras(1, 0, 0xFFFFFFFF), new byte[0], 0)));
    send(set(SET, "max", 0, 0, "18446744073709551615", 0));
    assertEquals(1, one(packet(INCR, "max", incrExtras(2, 0, 0), new byte[0], 0)).number());
    send(set(SET, "text", 0, 0, "abc", 0));
    assertStatus(6, "Non-numeric server-side value for incr or decr",
        one(packet(INCR, "text", incrExtras(1, 0, 0), new byte[0], 0)));
    assertStatus(2, "Data exists for key.",
        one(packet(INCR, "n", incrExtras(1, 0, 0), new byte[0], 12345)));
    assertEquals(List.of(), send(packet(INCRQ, "n", incrExtras(1, 0, 0), new byte[0], 0)));
    assertEquals("1", new String(entry("n").value(), StandardCharsets.US_ASCII));
  }

  @Test
  void incr_initialValueExpires() {
    one(packet(INCR, "t", incrExtras(1, 7, 10), new byte[0], 0));
    now.addAndGet(11_000);
    assertNull(entry("t"));
  }

  @Test
  void appendPrepend_keepFlags_newCas() {
    assertStatus(5, "Not stored.",
        one(packet(APPEND, "absent", new byte[0], bytes("x"), 0)));
    long cas = one(set(SET, "k", 42, 0, "mid", 0)).cas;
    Response appended = one(packet(APPEND, "k", new byte[0], bytes(">"), 0));
    assertStatus(0, "", appended);
    assertNotEquals(cas, appended.cas);
    assertStatus(0, "", one(packet(PREPEND, "k", new byte[0], bytes("<"), 0)));
    Response got = one(packet(GET, "k"));
    assertEquals("<mid>", got.value);
    assertEquals(42, got.flags());
    assertStatus(2, "Data exists for key.",
        one(packet(APPEND, "k", new byte[0], bytes("!"), cas)));
    assertStatus(5, "Not stored.",
        one(packet(APPEND, "k", new byte[0], bytes("z".repeat(MAX_ITEM)), 0)));
  }

  @Test
  void touch_gat_setExpiry() {
    send(set(SET, "k", 9, 0, "v", 0));
    Response touched = one(packet(TOUCH, "k", ints(10), new byte[0], 0));
    assertEquals(0, touched.status);
    assertEquals(9, touched.flags());
    assertEquals("", touched.value);
    Response gat = one(packet(GAT, "k", ints(100), new byte[0], 0));
    assertEquals("v", gat.value);
    assertEquals(entry("k").cas(), gat.cas);
    now.addAndGet(50_000);
    assertEquals("v", one(packet(GET, "k")).value);
    now.addAndGet(51_000);
    assertStatus(1, "Not found", one(packet(GET, "k")));
    assertStatus(1, "Not found", one(packet(TOUCH, "k", ints(10), new byte[0], 0)));
    assertEquals(List.of(), send(packet(GATQ, "k", ints(10), new byte[0], 0)));
  }

  @Test
  void flush_quietAndLoud() {
    send(set(SET, "a", 0, 0, "1", 0));
    assertEquals(List.of(), send(packet(FLUSHQ, "")));
    assertNull(entry("a"));
    send(set(SET, "b", 0, 0, "1", 0));
    assertStatus(0, "", one(packet(FLUSH, "")));
    assertNull(entry("b"));
    send(set(SET, "c", 0, 0, "1", 0));
    assertStatus(0, "", one(packet(FLUSH, "", ints(60), new byte[0], 0)));
    assertEquals("1", new String(entry("c").value(), StandardCharsets.US_ASCII), "delayed");
  }

  @Test
  void version_noop_quit() {
    assertStatus(0, MemcachedServerHandler.VERSION, one(packet(VERSION, "")));
    assertStatus(0, "", one(packet(NOOP, "")));
    assertStatus(0, "", one(packet(QUIT, "")));
    assertFalse(channel.isOpen());
  }

  @Test
  void quitq_closesSilently() {
    assertEquals(List.of(), send(packet(QUITQ, "")));
    assertFalse(channel.isOpen());
  }

  @Test
  void stat_groups() {
    send(set(SET, "k", 0, 0, "v", 0), packet(GET, "k"), packet(GET, "missing"));
    Map<String, String> general = stats("");
    assertEquals("2", general.get("cmd_get"));
    assertEquals("1", general.get("get_hits"));
    assertEquals("1", general.get("get_misses"));
    assertEquals("1", general.get("cmd_set"));
    assertEquals("1", general.get("curr_items"));
    assertEquals(Long.toString(1 << 24), general.get("limit_maxbytes"));
    assertEquals("2", general.get("threads"));
    assertEquals(Long.toString(ProcessHandle.current().pid()), general.get("pid"));
    assertEquals("0", general.get("evictions"));
    assertEquals(Integer.toString(MAX_ITEM), stats("settings").get("item_size_max"));
    assertEquals(Map.of(), stats("items"));
    assertEquals(Map.of(), stats("reset"));
    assertEquals("0", stats("").get("cmd_get"));
    assertStatus(1, "Not found", one(packet(STAT, "bogus")));
  }

  private Map<String, String> stats(String group) {
    List<Response> r = send(packet(STAT, group));
    Response last = r.get(r.size() - 1);
    assertEquals("", last.key);
    assertEquals("", last.value);
    Map<String, String> map = new HashMap<>();
    for (Response s : r.subList(0, r.size() - 1)) {
      assertEquals(0, s.status);
      assertEquals(opaque, s.opaque);
      map.put(s.key, s.value);
    }
    return map;
  }

  @Test
  void saslCommands_unknownWithoutCredentials() {
    assertStatus(0x81, "Unknown command", one(packet(LIST_MECHS, "")));
    assertStatus(0x81, "Unknown command",
        one(packet(AUTH, "PLAIN", new byte[0], bytes("\0sidecache\0pw"), 0)));
  }

  @Test
  void sasl_requiresAuthentication() {
    channel.finishAndReleaseAll();
    channel = channel(new MemcachedSasl("sidecache", "secret"));
    assertStatus(0, MemcachedServerHandler.VERSION, one(packet(VERSION, "")));
    assertStatus(0, "PLAIN", one(packet(LIST_MECHS, "")));
    assertStatus(0x20, "Auth failure.",
        one(packet(AUTH, "PLAIN", new byte[0], bytes("\0sidecache\0wrong"), 0)));
    assertStatus(0x20, "Auth failure.",
        one(packet(AUTH, "PLAIN", new byte[0], bytes("\0other\0secret"), 0)));
    assertStatus(0x20, "Auth failure.",
        one(packet(AUTH, "CRAM-MD5", new byte[0], bytes("x"), 0)));
    assertStatus(0x20, "Auth failure.", one(packet(STEP, "PLAIN", new byte[0], bytes("x"), 0)));
    assertTrue(channel.isOpen());
    assertStatus(0, "Authenticated",
        one(packet(AUTH, "PLAIN", new byte[0], bytes("\0sidecache\0secret"), 0)));
    assertStatus(0, "", one(set(SET, "k", 0, 0, "v", 0)));
  }

  @Test
  void sasl_unauthenticatedCommand_authErrorAndClose() {
    channel.finishAndReleaseAll();
    channel = channel(new MemcachedSasl("sidecache", "secret"));
    List<Response> r = send(packet(NOOP, ""), packet(GET, "k"));
    assertEquals(1, r.size(), r.toString());
    assertStatus(0x20, "Auth failure.", r.get(0));
    assertEquals(NOOP, r.get(0).opcode);
    assertFalse(channel.isOpen());
  }

  @Test
  void sasl_textProtocolRefused() {
    channel.finishAndReleaseAll();
    channel = channel(new MemcachedSasl("sidecache", "secret"));
    channel.writeInbound(Unpooled.wrappedBuffer(bytes("get k\r\n")));
    assertNull(channel.readOutbound());
    assertFalse(channel.isOpen());
  }

  @Test
  void text_autoDetected_withStats() {
    channel.writeInbound(Unpooled.wrappedBuffer(bytes("set k 0 0 1\r\nv\r\nget k\r\nstats\r\n"
        + "stats reset\r\nstats nope\r\n")));
    StringBuilder sb = new StringBuilder();
    for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
      sb.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    String text = sb.toString();
    assertTrue(text.startsWith("STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\nSTAT pid "), text);
    assertTrue(text.contains("STAT cmd_get 1\r\nSTAT cmd_set 1\r\n"), text);
    assertTrue(text.endsWith("END\r\nRESET\r\nERROR\r\n"), text);
  }

  // ---- malformed input

  @Test
  void badMagic_closesWithoutAnswer() {
    byte[] p = packet(GET, "k");
    p[0] = (byte) 0x81;
    // The first byte 0x81 is not 0x80: detected as text. A binary connection with a bad magic:
    List<Response> r = send(packet(NOOP, ""), p);
    assertEquals(1, r.size());
    assertEquals(NOOP, r.get(0).opcode);
    assertFalse(channel.isOpen());
  }

  @Test
  void keyTooLong_invalidArgumentsAndClose() {
    assertStatus(4, "Invalid arguments", one(packet(GET, "k".repeat(251))));
    assertFalse(channel.isOpen());
  }

  @Test
  void badShape_invalidArgumentsAndClose() {
    assertStatus(4, "Invalid arguments", one(packet(GET, "k", ints(1), new byte[0], 0)));
    assertFalse(channel.isOpen());
  }

  @Test
  void bodyShorterThanKey_unknownCommandAndClose() {
    byte[] p = packet(GET, "key");
    p[11] = 1; // body length 1 < key length 3
    List<Response> r = send(p);
    assertEquals(1, r.size());
    assertStatus(0x81, "Unknown command", r.get(0));
    assertFalse(channel.isOpen());
  }

  @Test
  void unknownOpcode_bodySkipped_connectionGoesOn() {
    List<Response> r = send(packet(0x50, "key", ints(1, 2), bytes("value"), 0), packet(NOOP, ""));
    assertEquals(2, r.size());
    assertEquals(0x50, r.get(0).opcode);
    assertStatus(0x81, "Unknown command", r.get(0));
    assertEquals(NOOP, r.get(1).opcode);
    assertTrue(channel.isOpen());
  }

  @Test
  void tooLarge_swallowed_setRemovesOldItem() {
    send(set(SET, "k", 0, 0, "old", 0));
    List<Response> r = send(set(SET, "k", 0, 0, "z".repeat(MAX_ITEM + 1), 0),
        set(SETQ, "k2", 0, 0, "z".repeat(MAX_ITEM + 1), 0), packet(GET, "k"));
    assertEquals(3, r.size());
    assertStatus(3, "Too large.", r.get(0));
    assertStatus(3, "Too large.", r.get(1));
    assertStatus(1, "Not found", r.get(2));
    assertStatus(0, "", one(set(SET, "k", 0, 0, "z".repeat(MAX_ITEM), 0)));
  }

  @Test
  void pipelined_inOneBuffer_answeredInOrder() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < 50; i++) {
      all.writeBytes(set(SETQ, "p" + i, i, 0, "v" + i, 0));
      all.writeBytes(packet(GETKQ, "p" + i));
    }
    all.writeBytes(packet(NOOP, ""));
    channel.writeInbound(Unpooled.wrappedBuffer(all.toByteArray()));
    List<Response> r = responses();
    assertEquals(51, r.size());
    for (int i = 0; i < 50; i++) {
      assertEquals("p" + i, r.get(i).key);
      assertEquals(i, r.get(i).flags());
    }
  }

  @Test
  void opcodeTable_roundTrips() {
    for (BinaryOpcode op : BinaryOpcode.values()) {
      assertSame(op, BinaryOpcode.find(op.code()));
      assertFalse(op.base().isQuiet());
    }
    assertNull(BinaryOpcode.find(0xFF));
  }

  @Test
  void saslPlain_parsing() {
    MemcachedSasl sasl = new MemcachedSasl("u", "p");
    assertTrue(sasl.checkPlain(bytes("\0u\0p")));
    assertTrue(sasl.checkPlain(bytes("u\0u\0p")));
    assertFalse(sasl.checkPlain(bytes("x\0u\0p")));
    assertFalse(sasl.checkPlain(bytes("u\0p")));
    assertFalse(sasl.checkPlain(bytes("\0u\0p\0")));
    assertFalse(sasl.checkPlain(bytes("\0u\0pp")));
    assertArrayEquals(bytes("PLAIN"), MemcachedSasl.MECHANISM.getBytes(StandardCharsets.US_ASCII));
  }

  private io.sidecache.store.Entry entry(String key) {
    return store.get(Key.of(key)).toCompletableFuture().getNow(null);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
