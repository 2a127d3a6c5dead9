package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Transaction;

/**
 * MULTI, EXEC, DISCARD, WATCH and UNWATCH: exact replies, queue-time errors, watched keys, and
 * isolation from other clients. Subclasses run it against Sidecache and a real redis-server.
 */
abstract class RespTransactionConformance {
  private static final AtomicInteger KEYS = new AtomicInteger();
  private RawResp raw;
  private RawResp other;
  private String prefix;

  /** Returns the address of the server under test. */
  abstract InetSocketAddress respAddress();

  @BeforeEach
  void connect(TestInfo info) throws IOException {
    raw = new RawResp(respAddress());
    other = new RawResp(respAddress());
    // One hash tag per test, as Redis Cluster users write transactions: its keys share an owner
    // on a cluster target (else EXEC is CROSSSLOT), and a single server ignores the braces.
    prefix = "{" + info.getTestMethod().orElseThrow().getName() + ":" + System.nanoTime() + "}:";
  }

  @AfterEach
  void disconnect() throws IOException {
    raw.close();
    other.close();
  }

  private String key() {
    return prefix + KEYS.incrementAndGet();
  }

  private Jedis jedis() {
    return new Jedis(respAddress().getHostString(), respAddress().getPort());
  }

  @Test
  void exec_repliesEachQueuedCommandInOrder() throws IOException {
    String k = key();
    assertEquals("+OK\r\n", raw.call("MULTI"));
    assertEquals("+QUEUED\r\n", raw.call("SET", k, "v"));
    assertEquals("+QUEUED\r\n", raw.call("INCR", k));
    assertEquals("+QUEUED\r\n", raw.call("GET", k));
    assertEquals("*3\r\n+OK\r\n-ERR value is not an integer or out of range\r\n$1\r\nv\r\n",
        raw.call("EXEC"));
    assertEquals("*0\r\n", call("MULTI", "EXEC"));
  }

  /** Sends the commands one by one and returns the last reply. */
  private String call(String... commands) throws IOException {
    String last = null;
    for (String c : commands) {
      last = raw.call(c);
    }
    return last;
  }

  @Test
  void queueTimeError_abortsExec() throws IOException {
    String k = key();
    assertEquals("+OK\r\n", raw.call("MULTI"));
    assertEquals("+QUEUED\r\n", raw.call("SET", k, "1"));
    assertEquals("-ERR wrong number of arguments for 'get' command\r\n", raw.call("GET"));
    assertEquals("-ERR unknown command 'NOPE', with args beginning with: 'x' \r\n",
        raw.call("NOPE", "x"));
    assertEquals("-EXECABORT Transaction discarded because of previous errors.\r\n",
        raw.call("EXEC"));
    assertEquals("$-1\r\n", raw.call("GET", k));
    assertEquals("-ERR EXEC without MULTI\r\n", raw.call("EXEC"), "the transaction ended");
  }

  @Test
  void misuse_errors() throws IOException {
    assertEquals("-ERR EXEC without MULTI\r\n", raw.call("EXEC"));
    assertEquals("-ERR DISCARD without MULTI\r\n", raw.call("DISCARD"));
    assertEquals("-ERR wrong number of arguments for 'watch' command\r\n", raw.call("WATCH"));
    assertEquals("-ERR wrong number of arguments for 'multi' command\r\n", raw.call("MULTI", "x"));
    assertEquals("+OK\r\n", raw.call("MULTI"));
    assertEquals("-ERR MULTI calls can not be nested\r\n", raw.call("MULTI"));
    assertEquals("-ERR WATCH inside MULTI is not allowed\r\n", raw.call("WATCH", key()));
    assertEquals("*0\r\n", raw.call("EXEC"), "these errors do not abort the transaction");
  }

  @Test
  void discard_dropsQueueAndWatches() throws IOException {
    String k = key();
    assertEquals("+OK\r\n", raw.call("WATCH", k));
    assertEquals("+OK\r\n", raw.call("MULTI"));
    assertEquals("+QUEUED\r\n", raw.call("SET", k, "v"));
    assertEquals("+OK\r\n", raw.call("DISCARD"));
    assertEquals("$-1\r\n", raw.call("GET", k));
    assertEquals(":1\r\n", other.call("INCR", k));
    assertEquals("+OK\r\n", raw.call("MULTI"));
    assertEquals("+QUEUED\r\n", raw.call("INCR", k));
    assertEquals("*1\r\n:2\r\n", raw.call("EXEC"), "DISCARD forgot the watch");
  }

  @Test
  void watch_changedByAnotherClient_execReturnsNull() throws IOException {
    String k = key();
    assertEquals("+OK\r\n", other.call("SET", k, "1"));
    assertEquals("+OK\r\n", raw.call("WATCH", k, key()));
    assertEquals("+OK\r\n", other.call("SET", k, "1"), "same value, still a change");
    assertEquals("+OK\r\n", raw.call("MULTI"));
    assertEquals("+QUEUED\r\n", raw.call("INCR", k));
    assertEquals("*-1\r\n", raw.call("EXEC"));
    assertEquals("$1\r\n1\r\n", raw.call("GET", k));
  }

  @Test
  void watch_keyCreatedOrDeleted_execReturnsNull() throws IOException {
    String absent = key();
    assertEquals("+OK\r\n", raw.call("WATCH", absent));
    assertEquals(":1\r\n", other.call("INCR", absent));
    assertEquals("*-1\r\n", call("MULTI", "EXEC"));
    String present = key();
    assertEquals("+OK\r\n", other.call("SET", present, "v"));
    assertEquals("+OK\r\n", raw.call("WATCH", present));
    assertEquals(":1\r\n", other.call("DEL", present));
    assertEquals("*-1\r\n", call("MULTI", "EXEC"));
  }

  @Test
  void watch_expiryChanged_execReturnsNull() throws IOException {
    // Redis 7.0 signals a modified key on EXPIRE, PERSIST and GETEX with an option.
    String k = key();
    assertEquals("+OK\r\n", other.call("SET", k, "v"));
    assertEquals("+OK\r\n", raw.call("WATCH", k));
    assertEquals(":1\r\n", other.call("EXPIRE", k, "100"));
    assertEquals("*-1\r\n", call("MULTI", "EXEC"));
    assertEquals("+OK\r\n", raw.call("WATCH", k));
    assertEquals(":1\r\n", other.call("PERSIST", k));
    assertEquals("*-1\r\n", call("MULTI", "EXEC"));
    assertEquals("+OK\r\n", raw.call("WATCH", k));
    assertEquals("$1\r\nv\r\n", other.call("GETEX", k, "EX", "50"));
    assertEquals("*-1\r\n", call("MULTI", "EXEC"));
    // Neither a plain GETEX nor a PERSIST of a key without a TTL changes anything.
    assertEquals(":1\r\n", other.call("PERSIST", k));
    assertEquals("+OK\r\n", raw.call("WATCH", k));
    assertEquals("$1\r\nv\r\n", other.call("GETEX", k));
    assertEquals(":0\r\n", other.call("PERSIST", k));
    assertEquals("*0\r\n", call("MULTI", "EXEC"));
  }

  @Test
  void watch_unchangedOrUnwatched_execRuns() throws IOException {
    String k = key();
    assertEquals("+OK\r\n", raw.call("WATCH", k));
    assertEquals("$-1\r\n", other.call("GET", k), "a read is not a change");
    assertEquals("+OK\r\n", raw.call("MULTI"));
    assertEquals("+QUEUED\r\n", raw.call("INCR", k));
    assertEquals("*1\r\n:1\r\n", raw.call("EXEC"));
    assertEquals("+OK\r\n", raw.call("WATCH", k));
    assertEquals(":2\r\n", other.call("INCR", k));
    assertEquals("+OK\r\n", raw.call("UNWATCH"));
    assertEquals("+OK\r\n", raw.call("MULTI"));
    assertEquals("+QUEUED\r\n", raw.call("INCR", k));
    assertEquals("*1\r\n:3\r\n", raw.call("EXEC"));
  }

  @Test
  void watch_execEndsTheWatch() throws IOException {
    String k = key();
    assertEquals("+OK\r\n", raw.call("WATCH", k));
    assertEquals("*0\r\n", call("MULTI", "EXEC"));
    assertEquals(":1\r\n", other.call("INCR", k));
    assertEquals("+OK\r\n", raw.call("MULTI"));
    assertEquals("+QUEUED\r\n", raw.call("INCR", k));
    assertEquals("*1\r\n:2\r\n", raw.call("EXEC"));
  }

  @Test
  void pipelinedTransaction_repliesInOrder() throws IOException {
    String k = key();
    raw.send("MULTI\r\n*2\r\n$4\r\nINCR\r\n$" + k.length() + "\r\n" + k + "\r\n"
        + "INCR " + k + "\r\nEXEC\r\nGET " + k + "\r\n");
    assertEquals("+OK\r\n", raw.reply());
    assertEquals("+QUEUED\r\n", raw.reply());
    assertEquals("+QUEUED\r\n", raw.reply());
    assertEquals("*2\r\n:1\r\n:2\r\n", raw.reply());
    assertEquals("$1\r\n2\r\n", raw.reply());
  }

  @Test
  void jedisTransaction() {
    String k = key();
    try (Jedis jedis = jedis()) {
      jedis.watch(k);
      Transaction t = jedis.multi();
      t.set(k, "a");
      t.append(k, "b");
      t.get(k);
      assertEquals(List.of("OK", 2L, "ab"), t.exec());
      jedis.watch(k);
      try (Jedis otherJedis = jedis()) {
        otherJedis.set(k, "changed");
      }
      Transaction aborted = jedis.multi();
      aborted.set(k, "lost");
      assertNull(aborted.exec());
      assertEquals("changed", jedis.get(k));
    }
  }

  /**
   * Two clients each add 1 twice per transaction while a third reads: with no command between
   * the two increments, the reader never sees an odd value.
   */
  @Test
  void exec_isolatedFromOtherClients() throws Exception {
    String k = key();
    AtomicBoolean oddSeen = new AtomicBoolean();
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        writers.add(pool.submit(pairAdder(this::jedis, k, 300)));
      }
      Future<?> reader = pool.submit(oddWatcher(this::jedis, k, writing, oddSeen));
      for (Future<?> w : writers) {
        w.get(60, TimeUnit.SECONDS);
      }
      writing.set(false);
      reader.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertTrue(!oddSeen.get(), "a reader saw half of a transaction");
    assertEquals("$4\r\n1200\r\n", raw.call("GET", k));
  }

  /** A client that adds 1 twice to {@code key} in each of {@code transactions} transactions. */
  static java.util.concurrent.Callable<Void> pairAdder(java.util.function.Supplier<Jedis> client,
      String key, int transactions) {
    return () -> {
      try (Jedis jedis = client.get()) {
        for (int i = 0; i < transactions; i++) {
          Transaction t = jedis.multi();
          t.incr(key);
          t.incr(key);
          t.exec();
        }
      }
      return null;
    };
  }

  /**
   * A client that reads {@code key} while {@code running} is set and sets {@code oddSeen} when it
   * reads an odd value: half of a {@link #pairAdder} transaction.
   */
  static java.util.concurrent.Callable<Void> oddWatcher(java.util.function.Supplier<Jedis> client,
      String key, AtomicBoolean running, AtomicBoolean oddSeen) {
    return () -> {
      try (Jedis jedis = client.get()) {
        while (running.get()) {
          String v = jedis.get(key);
          if (v != null && Long.parseLong(v) % 2 != 0) {
            oddSeen.set(true);
          }
        }
      }
      return null;
    };
  }

  /**
   * A client that sends a transaction and half-closes its socket ({@code printf ... | nc}) still
   * gets every reply, EXEC's included, before the server closes.
   */
  @Test
  void halfClosedClient_getsExecReply() throws IOException {
    String k = key();
    try (java.net.Socket socket = new java.net.Socket()) {
      socket.connect(respAddress());
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("MULTI\r\nINCR " + k + "\r\nEXEC\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      socket.shutdownOutput();
      String all = new String(socket.getInputStream().readAllBytes(),
          java.nio.charset.StandardCharsets.US_ASCII);
      assertEquals("+OK\r\n+QUEUED\r\n*1\r\n:1\r\n", all);
    }
  }
}
