package io.sidecache.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.FetchResult;
import io.sidecache.store.Key;
import io.sidecache.store.StoreException;
import io.sidecache.store.memory.MemoryStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link MemcachedTextDecoder} and {@link MemcachedServerHandler} in an {@link EmbeddedChannel}
 * over a real {@link MemoryStore} with a fake clock. Expected bytes are those memcached 1.6.18
 * writes for the same input (checked by hand against a real server).
 */
class MemcachedServerHandlerTest {
  private static final int MAX_ITEM = 64 * 1024;
  /** 2023-11-14T22:13:20Z, a whole second. */
  private static final long START = 1_700_000_000_000L;

  private final AtomicLong now = new AtomicLong(START);
  private MemoryStore store;
  private DelayedFlush delayedFlush;
  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() {
    store =
        MemoryStore.builder()
            .maximumBytes(64L * 1024 * 1024)
            .ticker(now::get)
            .executor(Runnable::run)
            .build();
    channel = newChannel(store);
  }

  private EmbeddedChannel newChannel(CacheStore cacheStore) {
    delayedFlush = new DelayedFlush(cacheStore);
    return new EmbeddedChannel(
        new MemcachedTextDecoder(MAX_ITEM),
        new MemcachedServerHandler(cacheStore, now::get, MAX_ITEM, delayedFlush));
  }

  @AfterEach
  void tearDown() {
    assertEquals("", readAll(), "unread replies");
    assertFalse(channel.finish());
  }

  // ---- get / gets / set

  @Test
  void everyVerbHasABody() {
    for (TextVerb v : TextVerb.values()) {
      org.junit.jupiter.api.Assertions.assertTrue(MemcachedServerHandler.serves(v), v.label());
    }
  }

  @Test
  void get_absent() {
    assertEquals("END\r\n", send("get nope\r\n"));
  }

  @Test
  void set_thenGet() {
    assertEquals("STORED\r\n", send("set k 5 0 3\r\nabc\r\n"));
    assertEquals("VALUE k 5 3\r\nabc\r\nEND\r\n", send("get k\r\n"));
  }

  @Test
  void gets_showsCasUnique() {
    send("set k 0 0 2\r\nhi\r\n");
    long cas = entry("k").cas();
    assertEquals("VALUE k 0 2 " + cas + "\r\nhi\r\nEND\r\n", send("gets k\r\n"));
  }

  @Test
  void get_multipleKeysInOrderWithDuplicates() {
    send("set a 1 0 1\r\nA\r\nset c 3 0 1\r\nC\r\n");
    assertEquals(
        "VALUE c 3 1\r\nC\r\nVALUE a 1 1\r\nA\r\nVALUE a 1 1\r\nA\r\nEND\r\n",
        send("get c b a a\r\n"));
  }

  @Test
  void set_flagsPrintedUnsigned() {
    send("set k 4294967295 0 1\r\nx\r\n");
    assertEquals(-1, entry("k").flags());
    assertEquals("VALUE k 4294967295 1\r\nx\r\nEND\r\n", send("get k\r\n"));
  }

  @Test
  void set_binaryDataAndEmptyValue() {
    assertEquals(
        "STORED\r\nSTORED\r\n", send("set b 0 0 4\r\n\r\n\0\u00ff\r\nset e 0 0 0\r\n\r\n"));
    assertEquals("VALUE b 0 4\r\n\r\n\0\u00ff\r\nVALUE e 0 0\r\n\r\nEND\r\n", send("get b e\r\n"));
  }

  @Test
  void set_noreply() {
    assertEquals("", send("set k 0 0 1 noreply\r\nx\r\n"));
    assertEquals("VALUE k 0 1\r\nx\r\nEND\r\n", send("get k\r\n"));
  }

  @Test
  void add_replace() {
    assertEquals(
        "NOT_STORED\r\nSTORED\r\nNOT_STORED\r\nSTORED\r\n",
        send(
            "replace k 0 0 1\r\na\r\nadd k 0 0 1\r\nb\r\nadd k 0 0 1\r\nc\r\n"
                + "replace k 9 0 1\r\nd\r\n"));
    assertEquals("VALUE k 9 1\r\nd\r\nEND\r\n", send("get k\r\n"));
  }

  @Test
  void appendPrepend_keepFlagsAndIgnoreRequestFlags() {
    assertEquals(
        "NOT_STORED\r\nNOT_STORED\r\nSTORED\r\nSTORED\r\nSTORED\r\n",
        send(
            "append k 0 0 1\r\nx\r\nprepend k 0 0 1\r\nx\r\nset k 7 0 2\r\nbb\r\n"
                + "append k 9 0 1\r\nc\r\nprepend k 9 100 1\r\na\r\n"));
    assertEquals("VALUE k 7 4\r\nabbc\r\nEND\r\n", send("get k\r\n"));
    assertFalse(entry("k").hasExpiry());
  }

  @Test
  void append_beyondMaxItemSizeNotStored() {
    String half = "a".repeat(MAX_ITEM / 2 + 1);
    send("set k 0 0 " + half.length() + " noreply\r\n" + half + "\r\n");
    assertEquals(
        "NOT_STORED\r\n", send("append k 0 0 " + half.length() + "\r\n" + half + "\r\n"));
    assertEquals(half.length(), entry("k").length());
  }

  @Test
  void cas_outcomes() {
    send("set k 0 0 1\r\na\r\n");
    long cas = entry("k").cas();
    assertEquals(
        "EXISTS\r\nNOT_FOUND\r\nSTORED\r\nEXISTS\r\n",
        send(
            "cas k 0 0 1 " + (cas + 1000) + "\r\nb\r\ncas nokey 0 0 1 1\r\nb\r\n"
                + "cas k 4 0 1 " + cas + "\r\nc\r\ncas k 0 0 1 " + cas + "\r\nd\r\n"));
    assertEquals("VALUE k 4 1\r\nc\r\nEND\r\n", send("get k\r\n"));
  }

  @Test
  void cas_noreply() {
    send("set k 0 0 1\r\na\r\n");
    assertEquals("", send("cas k 0 0 1 " + entry("k").cas() + " noreply\r\nb\r\n"));
    assertEquals("VALUE k 0 1\r\nb\r\nEND\r\n", send("get k\r\n"));
  }

  // ---- delete / incr / decr / touch

  @Test
  void delete_outcomes() {
    send("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n1\r\nset c 0 0 1\r\n1\r\n");
    assertEquals(
        "DELETED\r\nNOT_FOUND\r\nDELETED\r\n", send("delete a\r\ndelete a\r\ndelete b 0\r\n"));
    assertEquals("", send("delete c noreply\r\ndelete c 0 noreply\r\n"));
    assertEquals("END\r\n", send("get a b c\r\n"));
  }

  @Test
  void delete_usageError() {
    assertEquals(
        "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"
            + "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"
            + "ERROR\r\nERROR\r\n",
        send("delete d 5\r\ndelete d 5 noreply\r\ndelete d 0 0\r\ndelete\r\ndelete a b c d\r\n"));
  }

  @Test
  void incrDecr_unsignedArithmetic() {
    send("set n 3 0 2\r\n10\r\n");
    assertEquals(
        "15\r\n0\r\n18446744073709551615\r\n0\r\n",
        send("incr n 5\r\ndecr n 100\r\nincr n 18446744073709551615\r\nincr n 1\r\n"));
    assertEquals(3, entry("n").flags());
  }

  @Test
  void incrDecr_errors() {
    send("set n 0 0 2\r\n10\r\nset s 0 0 3\r\nabc\r\nset e 0 0 0\r\n\r\n");
    assertEquals(
        "CLIENT_ERROR invalid numeric delta argument\r\n"
            + "CLIENT_ERROR invalid numeric delta argument\r\n"
            + "CLIENT_ERROR invalid numeric delta argument\r\n"
            + "NOT_FOUND\r\n"
            + "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
            + "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
            + "ERROR\r\n",
        send(
            "incr n 18446744073709551616\r\nincr n -1\r\ndecr n abc\r\nincr nokey 1\r\n"
                + "incr s 1\r\ndecr e 1\r\nincr n\r\n"));
  }

  @Test
  void incrDecr_noreplySuppressesEverything() {
    send("set n 0 0 2\r\n10\r\n");
    assertEquals("", send("incr n 5 noreply\r\nincr n abc noreply\r\nincr nokey 1 noreply\r\n"));
    assertEquals("VALUE n 0 2\r\n15\r\nEND\r\n", send("get n\r\n"));
  }

  @Test
  void touch_outcomes() {
    send("set k 0 100 1\r\nx\r\n");
    assertEquals(
        "TOUCHED\r\nNOT_FOUND\r\nCLIENT_ERROR invalid exptime argument\r\nERROR\r\n",
        send("touch k 0\r\ntouch nokey 10\r\ntouch k abc\r\ntouch k\r\n"));
    assertFalse(entry("k").hasExpiry());
    assertEquals("", send("touch k 10 noreply\r\ntouch k abc noreply\r\n"));
    assertEquals(START + 10_000, entry("k").expiresAt());
  }

  @Test
  void touch_negativeExpires() {
    send("set k 0 0 1\r\nx\r\n");
    assertEquals("TOUCHED\r\nEND\r\n", send("touch k -1\r\nget k\r\n"));
  }

  // ---- expiry

  @Test
  void exptime_relativeSeconds() {
    send("set k 0 10 1\r\nx\r\n");
    now.addAndGet(9_999);
    assertEquals("VALUE k 0 1\r\nx\r\nEND\r\n", send("get k\r\n"));
    now.addAndGet(1);
    assertEquals("END\r\n", send("get k\r\n"));
  }

  @Test
  void exptime_thirtyDaysIsStillRelative() {
    send("set k 0 2592000 1\r\nx\r\n");
    assertEquals(START + 2_592_000_000L, entry("k").expiresAt());
  }

  @Test
  void exptime_aboveThirtyDaysIsUnixTime() {
    long at = START / 1000 + 100;
    send("set k 0 " + at + " 1\r\nx\r\nset old 0 2592001 1\r\nx\r\n");
    assertEquals(at * 1000, entry("k").expiresAt());
    assertEquals("END\r\n", send("get old\r\n"), "2592001 is a Unix time in 1970");
    now.set(at * 1000 - 1);
    assertEquals("VALUE k 0 1\r\nx\r\nEND\r\n", send("get k\r\n"));
    now.set(at * 1000);
    assertEquals("END\r\n", send("get k\r\n"));
  }

  @Test
  void exptime_negativeStoresInvisibleItem() {
    // memcached 1.6.18: STORED, END, then add succeeds because nothing is visible.
    send("set k 0 0 3\r\nold\r\n");
    assertEquals(
        "STORED\r\nEND\r\nSTORED\r\nVALUE k 0 1\r\ny\r\nEND\r\n",
        send("set k 0 -1 1\r\nx\r\nget k\r\nadd k 0 0 1\r\ny\r\nget k\r\n"));
  }

  // ---- flush_all / version / verbosity / quit

  @Test
  void flushAll_immediate() {
    send("set a 0 0 1\r\n1\r\nset b 0 0 1\r\n1\r\n");
    assertEquals("OK\r\nEND\r\n", send("flush_all\r\nget a b\r\n"));
    send("set a 0 0 1\r\n1\r\n");
    assertEquals("END\r\n", send("flush_all noreply\r\nget a\r\n"));
    send("set a 0 0 1\r\n1\r\n");
    assertEquals("OK\r\nEND\r\n", send("flush_all -5\r\nget a\r\n"));
  }

  @Test
  void flushAll_delayed() {
    channel.freezeTime();
    send("set a 0 0 1\r\n1\r\n");
    assertEquals("OK\r\n", send("flush_all 10\r\n"));
    assertTrue(delayedFlush.isPending());
    advance(9_999);
    assertEquals("VALUE a 0 1\r\n1\r\nEND\r\n", send("get a\r\n"));
    advance(1);
    assertFalse(delayedFlush.isPending());
    assertEquals("END\r\n", send("get a\r\n"));
    send("set a 0 0 1\r\n1\r\n");
    advance(60_000);
    assertEquals("VALUE a 0 1\r\n1\r\nEND\r\n", send("get a\r\n"), "written after the flush");
  }

  @Test
  void flushAll_laterFlushReplacesPendingOne() {
    channel.freezeTime();
    assertEquals("OK\r\nOK\r\n", send("flush_all 10\r\nflush_all 0\r\n"));
    assertFalse(delayedFlush.isPending());
    send("set a 0 0 1\r\n1\r\n");
    advance(20_000);
    assertEquals("VALUE a 0 1\r\n1\r\nEND\r\n", send("get a\r\n"));
  }

  @Test
  void flushAll_unixTimeDelay() {
    channel.freezeTime();
    send("set a 0 0 1\r\n1\r\n");
    assertEquals("", send("flush_all " + (START / 1000 + 5) + " noreply\r\n"));
    advance(5_000);
    assertEquals("END\r\n", send("get a\r\n"));
  }

  @Test
  void flushAll_errors() {
    assertEquals(
        "CLIENT_ERROR invalid exptime argument\r\nERROR\r\n",
        send("flush_all abc\r\nflush_all 1 2 3\r\nflush_all abc noreply\r\n"));
  }

  @Test
  void version_andVerbosity() {
    assertEquals(
        "VERSION 1.6.21-sidecache\r\nVERSION 1.6.21-sidecache\r\nOK\r\n"
            + "CLIENT_ERROR bad command line format\r\nERROR\r\n",
        send(
            "version\r\nversion x y\r\nverbosity 1\r\nverbosity 1 noreply\r\nverbosity abc\r\n"
                + "verbosity\r\n"));
  }

  @Test
  void quit_closesAfterEarlierReplies() {
    assertEquals("END\r\n", send("get a\r\nquit\r\nget a\r\n"));
    assertFalse(channel.isOpen());
  }

  // ---- protocol errors

  @Test
  void unknownCommand_error() {
    assertEquals("ERROR\r\nERROR\r\nERROR\r\n", send("foo\r\n\r\nGET k\r\n"));
  }

  @Test
  void longKey_clientError() {
    String key = "k".repeat(251);
    assertEquals(
        "CLIENT_ERROR bad command line format\r\nERROR\r\n"
            + "CLIENT_ERROR bad command line format\r\n"
            + "CLIENT_ERROR bad command line format\r\n",
        send("set " + key + " 0 0 1\r\nx\r\nget a " + key + "\r\ndelete " + key + "\r\n"));
  }

  @Test
  void badCommandLine_dataReadAsCommand() {
    assertEquals(
        "CLIENT_ERROR bad command line format\r\nERROR\r\nEND\r\n",
        send("set k 0 0 -1\r\nabc\r\nget k\r\n"));
  }

  @Test
  void badCommandLine_noreplySuppressesError() {
    assertEquals("ERROR\r\n", send("set k 0 0 -1 noreply\r\nabc\r\n"));
  }

  @Test
  void tooLarge_swallowedAndSetRemovesOldValue() {
    String big = "z".repeat(MAX_ITEM + 1);
    send("set k 0 0 3\r\nold\r\nset a 0 0 3\r\nold\r\n");
    assertEquals(
        "SERVER_ERROR object too large for cache\r\nEND\r\n"
            + "SERVER_ERROR object too large for cache\r\nVALUE a 0 3\r\nold\r\nEND\r\n",
        send(
            "set k 0 0 " + big.length() + "\r\n" + big + "\r\nget k\r\n"
                + "add a 0 0 " + big.length() + "\r\n" + big + "\r\nget a\r\n"));
  }

  @Test
  void tooLarge_noreplySuppressesError() {
    String big = "z".repeat(MAX_ITEM + 1);
    send("set k 0 0 3\r\nold\r\n");
    assertEquals(
        "END\r\n", send("set k 0 0 " + big.length() + " noreply\r\n" + big + "\r\nget k\r\n"));
  }

  @Test
  void badDataChunk_thenLeftoverIsACommand() {
    send("set k 0 0 3\r\nold\r\n");
    assertEquals(
        "CLIENT_ERROR bad data chunk\r\nERROR\r\nVALUE k 0 3\r\nold\r\nEND\r\n",
        send("set k 0 0 3\r\nabcde\r\nget k\r\n"));
    assertEquals("ERROR\r\n", send("set k 0 0 3 noreply\r\nabcde\r\n"));
  }

  @Test
  void lineTooLong_repliesToEarlierRequestsThenCloses() {
    String line = "set " + "x".repeat(MemcachedTextDecoder.MAX_LINE_LENGTH);
    assertEquals("VERSION 1.6.21-sidecache\r\n", send("version\r\n" + line));
    assertFalse(channel.isOpen());
  }

  // ---- pipelining, fragmentation, large replies

  @Test
  void pipeline_batchAnsweredInOrder() {
    String batch =
        "set a 1 0 1\r\n1\r\nget a b\r\nincr a 41\r\nadd a 0 0 1\r\nx\r\nbogus\r\n"
            + "set b 0 0 2 noreply\r\nbb\r\ndelete a\r\ngets b\r\ntouch b 5\r\nversion\r\n";
    String replies = send(batch);
    long casB = entry("b").cas();
    String expected =
        "STORED\r\nVALUE a 1 1\r\n1\r\nEND\r\n42\r\nNOT_STORED\r\nERROR\r\nDELETED\r\n"
            + "VALUE b 0 2 " + casB + "\r\nbb\r\nEND\r\nTOUCHED\r\nVERSION 1.6.21-sidecache\r\n";
    assertEquals(expected, replies);
  }

  @Test
  void pipeline_oneByteFragmentsGiveSameReplies() {
    String batch =
        "set a 1 0 5\r\nhello\r\nget a\r\nappend a 0 0 1\r\n!\r\ngets a\r\nincr a 1\r\n"
            + "set n 0 0 1\r\n7\r\ndecr n 3\r\nflush_all\r\nget a n\r\n";
    String whole = send(batch);
    assertTrue(
        whole.startsWith("STORED\r\nVALUE a 1 5\r\nhello\r\nEND\r\nSTORED\r\nVALUE a 1 6 "),
        whole);
    assertTrue(whole.endsWith("OK\r\nEND\r\n"), whole);
    // Same again on a fresh store (so CAS uniques repeat), one byte per read.
    assertFalse(channel.finish());
    setUp();
    StringBuilder fragmented = new StringBuilder();
    for (char c : batch.toCharArray()) {
      fragmented.append(send(String.valueOf(c)));
    }
    String normalized = fragmented.toString();
    assertEquals(whole, normalized);
  }

  @Test
  void get_largeValuesAndLargeBatch() {
    String big = randomText(MAX_ITEM, 1);
    String small = randomText(1000, 2);
    send("set big 0 0 " + big.length() + " noreply\r\n" + big + "\r\n");
    send("set small 0 0 " + small.length() + " noreply\r\n" + small + "\r\n");
    StringBuilder request = new StringBuilder("get");
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      String key = i % 10 == 0 ? "big" : "small";
      String value = i % 10 == 0 ? big : small;
      request.append(' ').append(key);
      expected.append("VALUE ").append(key).append(" 0 ").append(value.length()).append("\r\n");
      expected.append(value).append("\r\n");
    }
    expected.append("END\r\n");
    List<ByteBuf> frames = new ArrayList<>();
    channel.writeInbound(ascii(request + "\r\n"));
    for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
      frames.add(b);
    }
    assertTrue(frames.size() > 2, "written through before the batch ended: " + frames.size());
    StringBuilder actual = new StringBuilder();
    for (ByteBuf b : frames) {
      actual.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    assertEquals(expected.toString(), actual.toString());
  }

  // ---- asynchronous and failing stores

  @Test
  void asyncStore_repliesWaitAndStayInOrder() {
    DeferringStore deferring = new DeferringStore(store);
    channel.finish();
    channel = newChannel(deferring.proxy());
    send("set a 0 0 1\r\nA\r\n");
    deferring.deferGets = true;
    assertEquals("", send("get a b\r\nset b 0 0 1\r\nB\r\nget b\r\n"));
    assertFalse(channel.config().isAutoRead(), "paused while the store works");
    deferring.deferGets = false;
    deferring.completeAll();
    channel.runPendingTasks();
    assertEquals("VALUE a 0 1\r\nA\r\nEND\r\nSTORED\r\nVALUE b 0 1\r\nB\r\nEND\r\n", readAll());
    assertTrue(channel.config().isAutoRead());
  }

  @Test
  void failingStore_errorsMappedToServerError() {
    DeferringStore failing = new DeferringStore(store);
    channel.finish();
    channel = newChannel(failing.proxy());
    failing.failure = new StoreException("disk tier unavailable");
    assertEquals("SERVER_ERROR disk tier unavailable\r\n", send("get a\r\n"));
    assertEquals("SERVER_ERROR disk tier unavailable\r\n", send("get a b\r\n"));
    failing.failure = new IllegalStateException("bug");
    assertEquals("SERVER_ERROR internal error\r\n", send("get a\r\n"));
    assertTrue(channel.isOpen());
  }

  @Test
  void expiresAt_rules() {
    assertEquals(Entry.NO_EXPIRY, MemcachedServerHandler.expiresAt(0, START));
    assertEquals(
        MemcachedServerHandler.ALREADY_EXPIRED, MemcachedServerHandler.expiresAt(-1, START));
    assertEquals(START + 1000, MemcachedServerHandler.expiresAt(1, START));
    assertEquals(START + 2_592_000_000L, MemcachedServerHandler.expiresAt(2_592_000, START));
    assertEquals(2_592_001_000L, MemcachedServerHandler.expiresAt(2_592_001, START));
  }

  // ---- gat / meta (fake clock, so TTLs and last-access times are exact)

  @Test
  void gat_touchesEveryKeyAndKeepsCas() {
    send("set a 1 0 1\r\nA\r\nset b 2 0 1\r\nB\r\n");
    long cas = entry("a").cas();
    assertEquals("VALUE a 1 1 " + cas + "\r\nA\r\nVALUE b 2 1 " + entry("b").cas()
        + "\r\nB\r\nEND\r\n", send("gats 100 a x b\r\n"));
    assertEquals(START + 100_000, entry("a").expiresAt());
    assertEquals(cas, entry("a").cas());
    assertEquals("VALUE a 1 1\r\nA\r\nEND\r\nEND\r\n", send("gat -1 a\r\nget a\r\n"));
  }

  @Test
  void metaGet_hitFlagsAndLastAccessFromFakeClock() {
    send("ms k 2 T100 F9\r\nhi\r\n");
    advance(7_000);
    long cas = entry("k").cas();
    assertEquals("VA 2 s2 t93 c" + cas + " f9 h0 l7 kk Oq1\r\nhi\r\n",
        send("mg k v s t c f h l k Oq1\r\n"));
    advance(4_000);
    assertEquals("HD h1 l4\r\n", send("mg k h l u\r\n"));
    assertEquals("HD h1 l4\r\n", send("mg k h l\r\n"));
    assertEquals("HD l0\r\n", send("mg k l\r\n"));
  }

  @Test
  void metaGet_vivifyRecacheAndStaleTokens() {
    assertEquals("VA 0 t30 W\r\n\r\n", send("mg v N30 v t\r\n"));
    assertEquals("HD Z\r\n", send("mg v N30\r\n"));
    send("ms r 1 T100\r\nx\r\n");
    assertEquals("HD\r\nHD W\r\nHD Z\r\n", send("mg r R30\r\nmg r R200\r\nmg r R200\r\n"));
    assertEquals("HD\r\nHD X W\r\nHD Z X\r\n", send("md r I\r\nmg r\r\nmg r\r\n"));
    assertTrue(entry("r").isStale());
  }

  @Test
  void metaQuietBatch_onlyFailuresAndHitsAnswered() {
    assertEquals(
        "NS\r\nVA 1\r\nx\r\nNF\r\nNF\r\nMN\r\n",
        send("ms k 1 q\r\nx\r\nms k 1 ME q\r\ny\r\nmg k v q\r\nmg m v q\r\nmd k q\r\n"
            + "md k q\r\nma k q\r\nmn\r\n"));
  }

  @Test
  void metaSet_appendKeepsFlagsAndTtlAndReportsCas() {
    send("ms k 1 F7 T50\r\na\r\n");
    String reply = send("ms k 1 MA c\r\nb\r\n");
    assertEquals("HD c" + entry("k").cas() + "\r\n", reply);
    assertEquals(7, entry("k").flags());
    assertEquals(START + 50_000, entry("k").expiresAt());
    assertEquals("EX\r\n", send("ms k 1 MP C1\r\nz\r\n"));
    assertEquals("VA 2\r\nab\r\n", send("mg k v\r\n"));
  }

  @Test
  void metaArithmetic_vivifyCasAndTtl() {
    assertEquals("VA 2 t10\r\n10\r\n", send("ma n N10 J10 v t\r\n"));
    long cas = entry("n").cas();
    assertEquals("EX\r\n", send("ma n C" + (cas + 1) + "\r\n"));
    assertEquals("HD c" + (cas + 1) + "\r\n", send("ma n C" + cas + " T0 c\r\n"));
    assertEquals(Entry.NO_EXPIRY, entry("n").expiresAt());
    assertEquals("VA 2\r\n11\r\n", send("mg n v\r\n"));
  }

  @Test
  void metaDebug_reportsWithoutRecordingAccess() {
    send("ms k 1 T20\r\nx\r\n");
    advance(3_000);
    long cas = entry("k").cas();
    assertEquals("ME k exp=-17 la=3 cas=" + cas + " fetch=no\r\n", send("me k\r\n"));
    assertEquals("EN\r\n", send("me nope\r\n"));
  }

  // ---- harness

  private void advance(long millis) {
    now.addAndGet(millis);
    channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  /** Reads an entry without recording an access, so tests do not change what {@code h}/{@code l} see. */
  private Entry entry(String key) {
    FetchOptions peek =
        new FetchOptions(CacheStore.NOT_SET, CacheStore.NOT_SET, CacheStore.NOT_SET, false);
    FetchResult r = store.fetch(Key.of(key), peek).toCompletableFuture().getNow(null);
    return r == null ? null : r.entry();
  }

  @Test
  void get_largeValuesWhileWritabilityFlipsArriveOnceInOrder() {
    // Values past ReplyBuffer's zero-copy size go out as their own buffers; with tiny water marks
    // every write flips writability, and the events fire inside the handler's own writes.
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
    String value = "v".repeat(ReplyBuffer.ZERO_COPY_VALUE_BYTES * 2);
    assertEquals("STORED\r\n", send("set k 0 0 " + value.length() + "\r\n" + value + "\r\n"));
    String item = "VALUE k 0 " + value.length() + "\r\n" + value + "\r\n";
    assertEquals(item + "END\r\n" + item + item + "END\r\n" + "VERSION ",
        send("get k\r\nget k k\r\nversion\r\n").substring(0, 3 * item.length() + 18));
    readAll();
  }

  private String send(String request) {
    channel.writeInbound(ascii(request));
    return readAll();
  }

  private String readAll() {
    StringBuilder sb = new StringBuilder();
    for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
      sb.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return sb.toString();
  }

  private static ByteBuf ascii(String s) {
    return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static String randomText(int length, long seed) {
    java.util.Random random = new java.util.Random(seed);
    StringBuilder sb = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      sb.append((char) random.nextInt(256));
    }
    return sb.toString();
  }

  /**
   * A store in front of a real one whose {@code get} can be held back (to test the asynchronous
   * path) or made to fail. A dynamic proxy, so that it follows the {@link CacheStore} interface.
   */
  private static final class DeferringStore {
    private final CacheStore delegate;
    private final List<Runnable> held = new ArrayList<>();
    boolean deferGets;
    RuntimeException failure;

    DeferringStore(CacheStore delegate) {
      this.delegate = delegate;
    }

    CacheStore proxy() {
      return (CacheStore)
          Proxy.newProxyInstance(
              CacheStore.class.getClassLoader(),
              new Class<?>[] {CacheStore.class},
              (proxy, method, args) -> {
                if (method.getName().equals("get") && failure != null) {
                  if (failure instanceof StoreException) {
                    return CompletableFuture.failedFuture(failure);
                  }
                  throw failure;
                }
                if (method.getName().equals("get") && deferGets) {
                  CompletableFuture<Object> later = new CompletableFuture<>();
                  held.add(
                      () -> {
                        Object value = invoke(method, args);
                        later.complete(
                            ((java.util.concurrent.CompletionStage<?>) value)
                                .toCompletableFuture()
                                .getNow(null));
                      });
                  return later;
                }
                return invoke(method, args);
              });
    }

    private Object invoke(java.lang.reflect.Method method, Object[] args) {
      try {
        return method.invoke(delegate, args);
      } catch (IllegalAccessException e) {
        throw new AssertionError(e);
      } catch (InvocationTargetException e) {
        throw new AssertionError(e.getCause());
      }
    }

    void completeAll() {
      assertFalse(held.isEmpty());
      for (Runnable r : held) {
        r.run();
      }
      held.clear();
    }
  }

  @Test
  void deferringStore_selfCheck() {
    DeferringStore deferring = new DeferringStore(store);
    CacheStore proxy = deferring.proxy();
    deferring.deferGets = true;
    CompletableFuture<Entry> f = proxy.get(Key.of("x")).toCompletableFuture();
    assertFalse(f.isDone());
    deferring.completeAll();
    assertTrue(f.isDone());
    assertNull(f.join());
    assertNotNull(proxy.delete(Key.of("x")));
  }
}
