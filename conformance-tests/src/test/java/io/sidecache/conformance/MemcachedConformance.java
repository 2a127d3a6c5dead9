package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
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
 * The memcached text-protocol suite: exact reply bytes over a raw socket, and spymemcached in
 * TEXT mode. Subclasses run it against Sidecache and against a real memcached 1.6.
 */
abstract class MemcachedConformance {
  private static final AtomicInteger KEYS = new AtomicInteger();
  private RawMemcached raw;
  private String prefix;

  /** Returns the address of the server under test. */
  abstract InetSocketAddress memcachedAddress();

  @BeforeEach
  void connect(TestInfo info) throws IOException {
    raw = new RawMemcached(memcachedAddress());
    prefix = info.getTestMethod().orElseThrow().getName() + ":" + System.nanoTime() + ":";
  }

  @AfterEach
  void disconnect() throws IOException {
    raw.close();
  }

  private String key() {
    return prefix + KEYS.incrementAndGet();
  }

  private void exchange(String request, String expected) throws IOException {
    raw.exchange(request, expected);
  }

  private MemcachedClient spy() throws IOException {
    return new MemcachedClient(
        new ConnectionFactoryBuilder().setProtocol(ConnectionFactoryBuilder.Protocol.TEXT)
            .setOpTimeout(5000).build(),
        AddrUtil.getAddresses("127.0.0.1:" + memcachedAddress().getPort()));
  }

  @Test
  void set_get_flagsRoundTrip() throws IOException {
    String k = key();
    exchange("set " + k + " 4294967295 0 5\r\nhello\r\n", "STORED\r\n");
    exchange("get " + k + "\r\n", "VALUE " + k + " 4294967295 5\r\nhello\r\nEND\r\n");
  }

  @Test
  void get_multipleKeysSkipsMisses() throws IOException {
    String a = key();
    String b = key();
    exchange("set " + a + " 1 0 1\r\nA\r\nset " + b + " 2 0 2\r\nBB\r\n", "STORED\r\nSTORED\r\n");
    exchange("get " + a + " missing " + b + "\r\n",
        "VALUE " + a + " 1 1\r\nA\r\nVALUE " + b + " 2 2\r\nBB\r\nEND\r\n");
    exchange("get missing\r\n", "END\r\n");
  }

  @Test
  void add_replace_append_prepend() throws IOException {
    String k = key();
    exchange("replace " + k + " 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
    exchange("append " + k + " 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
    exchange("prepend " + k + " 0 0 1\r\nx\r\n", "NOT_STORED\r\n");
    exchange("add " + k + " 3 0 1\r\n1\r\n", "STORED\r\n");
    exchange("add " + k + " 0 0 1\r\n2\r\n", "NOT_STORED\r\n");
    exchange("append " + k + " 9 0 1\r\n2\r\n", "STORED\r\n");
    exchange("prepend " + k + " 9 0 1\r\n0\r\n", "STORED\r\n");
    exchange("get " + k + "\r\n", "VALUE " + k + " 3 3\r\n012\r\nEND\r\n");
    exchange("replace " + k + " 4 0 1\r\nr\r\n", "STORED\r\n");
    exchange("get " + k + "\r\n", "VALUE " + k + " 4 1\r\nr\r\nEND\r\n");
  }

  @Test
  void cas_storedExistsNotFound() throws IOException {
    String k = key();
    exchange("cas " + k + " 0 0 1 1\r\nz\r\n", "NOT_FOUND\r\n");
    exchange("set " + k + " 0 0 1\r\na\r\n", "STORED\r\n");
    MemcachedClient c = spy();
    try {
      CASValue<Object> v = c.gets(k);
      assertEquals(CASResponse.EXISTS, c.cas(k, v.getCas() + 1, "b"));
      assertEquals(CASResponse.OK, c.cas(k, v.getCas(), "c"));
      assertEquals("c", c.get(k));
    } finally {
      c.shutdown(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void delete_deletedNotFound() throws IOException {
    String k = key();
    exchange("set " + k + " 0 0 1\r\na\r\n", "STORED\r\n");
    exchange("delete " + k + "\r\n", "DELETED\r\n");
    exchange("delete " + k + "\r\n", "NOT_FOUND\r\n");
    exchange("get " + k + "\r\n", "END\r\n");
  }

  @Test
  void incr_decr_unsigned64() throws IOException {
    String k = key();
    exchange("incr " + k + " 1\r\n", "NOT_FOUND\r\n");
    exchange("set " + k + " 0 0 2\r\n10\r\n", "STORED\r\n");
    exchange("incr " + k + " 5\r\n", "15\r\n");
    exchange("decr " + k + " 100\r\n", "0\r\n");
    exchange("set " + k + " 0 0 20\r\n18446744073709551615\r\n", "STORED\r\n");
    exchange("incr " + k + " 2\r\n", "1\r\n");
    exchange("incr " + k + " abc\r\n", "CLIENT_ERROR invalid numeric delta argument\r\n");
    exchange("set " + k + " 0 0 3\r\nabc\r\n", "STORED\r\n");
    exchange("incr " + k + " 1\r\n",
        "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
  }

  @Test
  void touch_andExpiry() throws IOException {
    String k = key();
    exchange("touch " + k + " 10\r\n", "NOT_FOUND\r\n");
    exchange("set " + k + " 0 0 1\r\na\r\n", "STORED\r\n");
    exchange("touch " + k + " 100\r\n", "TOUCHED\r\n");
    exchange("set " + k + " 0 -1 1\r\na\r\n", "STORED\r\n");
    exchange("get " + k + "\r\n", "END\r\n");
  }

  @Test
  void noreply_answersNothing() throws IOException {
    String k = key();
    exchange("set " + k + " 0 0 1 noreply\r\n1\r\nincr " + k + " 1 noreply\r\n"
        + "append " + k + " 0 0 1 noreply\r\n0\r\ndelete nope noreply\r\nget " + k + "\r\n",
        "VALUE " + k + " 0 2\r\n20\r\nEND\r\n");
  }

  @Test
  void errors_unknownCommandAndBadLines() throws IOException {
    exchange("foo\r\n", "ERROR\r\n");
    exchange("set k 0 0 -1\r\n", "CLIENT_ERROR bad command line format\r\n");
    exchange("set " + "k".repeat(251) + " 0 0 1\r\n", "CLIENT_ERROR bad command line format\r\n");
    exchange("x\r\n", "ERROR\r\n");
    exchange("version\r\n", "VERSION ");
  }

  @Test
  void oversizedValue_swallowedConnectionInSync() throws IOException {
    String k = key();
    String big = "x".repeat(2 * 1024 * 1024);
    exchange("set " + k + " 0 0 " + big.length() + "\r\n" + big + "\r\nget " + k + "\r\n",
        "SERVER_ERROR object too large for cache\r\nEND\r\n");
  }

  @Test
  void badDataChunk() throws IOException {
    String k = key();
    // memcached reads exactly <bytes>+2 bytes ("abcde"), rejects them, then reads on: the
    // leftover CRLF is an empty command line.
    exchange("set " + k + " 0 0 3\r\nabcde\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\n");
    exchange("get " + k + "\r\n", "END\r\n");
  }

  @Test
  void pipelinedBatch_inOrder() throws IOException {
    StringBuilder req = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      String k = key();
      req.append("set ").append(k).append(" 0 0 ").append(Integer.toString(i).length())
          .append("\r\n").append(i).append("\r\nget ").append(k).append("\r\n");
      expected.append("STORED\r\nVALUE ").append(k).append(" 0 ")
          .append(Integer.toString(i).length()).append("\r\n").append(i).append("\r\nEND\r\n");
    }
    exchange(req.toString(), expected.toString());
  }

  @Test
  void get_lineOfTwentyThousandKeys_answeredInFull() throws IOException {
    // memcached reads a get line of any length; so must Sidecache (issue 12).
    StringBuilder line = new StringBuilder("get");
    StringBuilder expected = new StringBuilder();
    StringBuilder sets = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      String k = prefix + "mg" + i;
      line.append(' ').append(k);
      if (i % 40 == 0) {
        sets.append("set ").append(k).append(" 0 0 ").append(Integer.toString(i).length())
            .append(" noreply\r\n").append(i).append("\r\n");
        expected.append("VALUE ").append(k).append(" 0 ").append(Integer.toString(i).length())
            .append("\r\n").append(i).append("\r\n");
      }
    }
    assertTrue(line.length() > 200_000, "line of " + line.length() + " bytes");
    raw.send(sets.toString());
    exchange(line + "\r\nversion\r\n", expected + "END\r\n");
    assertTrue(raw.line().startsWith("VERSION "));
    // gat too, over the 2048-byte line limit; memcached 1.6.18 resets a gat line above about
    // 16 KB, where Sidecache goes on (docs/protocol-memcached.md).
    StringBuilder gat = new StringBuilder("gat 0");
    StringBuilder gatExpected = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      String k = prefix + "mg" + i;
      gat.append(' ').append(k);
      if (i % 40 == 0) {
        gatExpected.append("VALUE ").append(k).append(" 0 ")
            .append(Integer.toString(i).length()).append("\r\n").append(i).append("\r\n");
      }
    }
    assertTrue(gat.length() > 2048 && gat.length() < 16_000, "gat line of " + gat.length());
    exchange(gat + "\r\n", gatExpected + "END\r\n");
  }

  @Test
  void spymemcached_bulkGetOfTwentyThousandKeys() throws Exception {
    MemcachedClient c = spy();
    try {
      java.util.List<String> keys = new java.util.ArrayList<>();
      Map<String, Object> stored = new java.util.HashMap<>();
      for (int i = 0; i < 20_000; i++) {
        String k = prefix + "bulk" + i;
        keys.add(k);
        if (i % 10 == 0) {
          stored.put(k, "v" + i);
        }
      }
      for (Map.Entry<String, Object> e : stored.entrySet()) {
        c.set(e.getKey(), 0, e.getValue());
      }
      assertTrue(c.set(prefix + "fence", 0, "x").get(10, TimeUnit.SECONDS));
      assertEquals(stored, c.getBulk(keys));
    } finally {
      c.shutdown(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void statsDetail_onDumpOff_perPrefixCounts() throws IOException {
    // memcached's "stats detail" (protocol.txt): counts per prefix before the first ':'.
    String p = "dtl" + System.nanoTime();
    exchange("stats detail on\r\n", "OK\r\n");
    exchange("set " + p + ":x 0 0 1\r\n1\r\n", "STORED\r\n");
    exchange("get " + p + ":x " + p + ":y\r\n", "VALUE " + p + ":x 0 1\r\n1\r\nEND\r\n");
    exchange("get nodelimiter\r\n", "END\r\n");
    exchange("delete " + p + ":x\r\n", "DELETED\r\n");
    String line = "PREFIX " + p + " get 2 hit 1 set 1 del 1\r\n";
    exchange("stats detail dump\r\n", line + "END\r\n");
    exchange("stats detail off\r\n", "OK\r\n");
    exchange("get " + p + ":x\r\n", "END\r\n");
    exchange("stats detail dump\r\n", line + "END\r\n"); // off keeps what was counted
    exchange("stats detail\r\n", "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
    exchange("stats detail foo\r\n", "CLIENT_ERROR usage: stats detail on|off|dump\r\n");
    exchange("stats reset\r\n", "RESET\r\n");
    exchange("stats detail dump\r\n", "END\r\n");
  }

  @Test
  void httpRequestLine_connectionClosedWithoutReply() throws IOException {
    // memcached closes a connection that sends it an HTTP request line (issue 12).
    raw.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    raw.assertClosed();
  }

  @Test
  void spymemcached_textMode() throws Exception {
    MemcachedClient c = spy();
    try {
      String k = key();
      assertTrue(c.set(k, 0, "value").get(5, TimeUnit.SECONDS));
      assertEquals("value", c.get(k));
      assertTrue(c.add(key(), 0, "x").get(5, TimeUnit.SECONDS));
      String counter = key();
      assertEquals(-1, c.incr(counter, 1));
      assertEquals(10, c.incr(counter, 1, 10));
      assertEquals(11, c.incr(counter, 1));
      // A decr that keeps the length: memcached space-pads a shorter result in place.
      assertEquals(10, c.decr(counter, 1));
      Map<String, Object> bulk = c.getBulk(k, counter, "missing");
      assertEquals(Map.of(k, "value", counter, "10"), bulk);
      assertTrue(c.delete(k).get(5, TimeUnit.SECONDS));
      assertNull(c.get(k));
    } finally {
      c.shutdown(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void stats_groupsResetUnknown() throws IOException {
    raw.send("stats\r\n");
    String general = raw.readUntil("END\r\n");
    for (String name : new String[] {"pid", "uptime", "time", "version", "curr_connections",
        "total_connections", "cmd_get", "cmd_set", "cmd_flush", "cmd_touch", "get_hits",
        "get_misses", "delete_hits", "delete_misses", "incr_hits", "incr_misses", "decr_hits",
        "decr_misses", "cas_hits", "cas_misses", "cas_badval", "touch_hits", "touch_misses",
        "bytes_read", "bytes_written", "limit_maxbytes", "threads", "curr_items", "bytes"}) {
      assertTrue(general.contains("\r\nSTAT " + name + " ") || general.startsWith("STAT " + name
          + " "), name + " in " + general);
    }
    raw.send("stats settings\r\n");
    assertTrue(raw.readUntil("END\r\n").contains("STAT item_size_max 1048576\r\n"));
    exchange("stats reset\r\n", "RESET\r\n");
    exchange("stats nonsense\r\n", "ERROR\r\n");
  }
}
