package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TrackingArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.support.caching.CacheAccessor;
import io.lettuce.core.support.caching.CacheFrontend;
import io.lettuce.core.support.caching.ClientSideCaching;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Client-side caching ({@code CLIENT TRACKING}, {@code CACHING}, {@code GETREDIR}, {@code
 * TRACKINGINFO}): the exact invalidation pushes and their order against replies, each mode, the
 * errors, and Lettuce's client-side cache kept correct. Subclasses run it against Sidecache and a
 * real redis-server; the bytes expected here are redis-server 7.0's.
 */
abstract class RespTrackingConformance {
  private static final AtomicInteger KEYS = new AtomicInteger();
  private static final String OK = "+OK\r\n";
  private RawResp a;
  private RawResp b;
  private String prefix;

  /** Returns the address of the server under test. */
  abstract InetSocketAddress respAddress();

  @BeforeEach
  void connect(TestInfo info) throws IOException {
    a = new RawResp(respAddress());
    b = new RawResp(respAddress());
    prefix = info.getTestMethod().orElseThrow().getName() + ":" + System.nanoTime() + ":";
  }

  @AfterEach
  void disconnect() throws IOException {
    a.close();
    b.close();
  }

  private String key() {
    return prefix + KEYS.incrementAndGet();
  }

  private static String bulk(String s) {
    return "$" + s.length() + "\r\n" + s + "\r\n";
  }

  /** The RESP3 push invalidating one key. */
  private static String invalidate(String key) {
    return ">2\r\n$10\r\ninvalidate\r\n*1\r\n" + bulk(key);
  }

  private static void resp3(RawResp c) throws IOException {
    assertTrue(c.call("HELLO", "3").startsWith("%7\r\n"));
  }

  private static long id(RawResp c) throws IOException {
    String r = c.call("CLIENT", "ID");
    return Long.parseLong(r.substring(1, r.length() - 2));
  }

  @Test
  void aKeyReadOnceIsInvalidatedOnceByAnotherClientsWrite() throws IOException {
    String k = key();
    resp3(a);
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON"));
    assertEquals("_\r\n", a.call("GET", k), "a missing key is tracked too");
    assertEquals(OK, b.call("SET", k, "v"));
    assertEquals(invalidate(k), a.reply());
    assertEquals(OK, b.call("SET", k, "w"));
    assertNull(a.replyWithin(300), "forgotten until read again");
    assertEquals(bulk("w"), a.call("GET", k));
    assertEquals(":1\r\n", b.call("DEL", k));
    assertEquals(invalidate(k), a.reply());
  }

  @Test
  void aClientsOwnWriteIsInvalidatedRightAfterItsReply() throws IOException {
    String k = key();
    resp3(a);
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON"));
    a.send(concat(RawResp.command("GET", k), RawResp.command("SET", k, "v"),
        RawResp.command("GET", k)));
    assertEquals("_\r\n", a.reply());
    assertEquals(OK, a.reply());
    assertEquals(invalidate(k), a.reply());
    assertEquals(bulk("v"), a.reply());
  }

  @Test
  void noLoopLeavesOutTheClientsOwnWritesOnly() throws IOException {
    String k = key();
    resp3(a);
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON", "NOLOOP"));
    assertEquals("_\r\n", a.call("GET", k));
    assertEquals(OK, a.call("SET", k, "v"));
    assertEquals(OK, b.call("SET", k, "w"));
    assertNull(a.replyWithin(300), "its own write dropped the key from tracking");
    assertEquals(bulk("w"), a.call("GET", k));
    assertEquals(OK, b.call("SET", k, "x"));
    assertEquals(invalidate(k), a.reply());
  }

  @Test
  void writesThatChangeNothingSendNothing() throws IOException {
    String k = key();
    resp3(a);
    assertEquals(OK, b.call("SET", k, "v"));
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON"));
    assertEquals(bulk("v"), a.call("GET", k));
    assertEquals("$-1\r\n", b.call("SET", k, "w", "NX"));
    assertEquals(":0\r\n", b.call("DEL", key()));
    assertEquals(":0\r\n", b.call("PERSIST", k));
    assertNull(a.replyWithin(300));
    assertEquals(":1\r\n", b.call("EXPIRE", k, "100"));
    assertEquals(invalidate(k), a.reply());
  }

  @Test
  void broadcastModeSendsEveryChangeUnderItsPrefixes() throws IOException {
    String ka = prefix + "a:1";
    String kb = prefix + "b:1";
    resp3(a);
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", prefix + "b:",
        "PREFIX", prefix + "a:"));
    assertEquals(OK, b.call("SET", ka, "1"));
    assertEquals(invalidate(ka), a.reply());
    assertEquals(OK, b.call("SET", kb, "1"));
    assertEquals(invalidate(kb), a.reply());
    assertEquals(OK, b.call("SET", prefix + "c:1", "1"));
    assertEquals(OK, b.call("SET", ka, "2"));
    assertEquals(invalidate(ka), a.reply(), "not one-shot, and c: is not watched");
    assertEquals("%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n"
        + "$8\r\nprefixes\r\n*2\r\n" + bulk(prefix + "a:") + bulk(prefix + "b:"),
        a.call("CLIENT", "TRACKINGINFO"));
  }

  @Test
  void optInTracksOnlyTheCommandAfterCachingYes() throws IOException {
    String k = key();
    resp3(a);
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON", "OPTIN"));
    assertEquals("_\r\n", a.call("GET", k));
    assertEquals(OK, b.call("SET", k, "1"));
    assertNull(a.replyWithin(300));
    assertEquals(OK, a.call("CLIENT", "CACHING", "yes"));
    assertEquals("%3\r\n$5\r\nflags\r\n~3\r\n$2\r\non\r\n$5\r\noptin\r\n$11\r\ncaching-yes\r\n"
        + "$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*0\r\n", a.call("CLIENT", "TRACKINGINFO"));
    assertEquals(bulk("1"), a.call("GET", k));
    assertEquals(OK, b.call("SET", k, "2"));
    assertEquals(invalidate(k), a.reply());
    // A transaction counts as one command.
    String k2 = key();
    assertEquals(OK, a.call("CLIENT", "CACHING", "yes"));
    assertEquals(OK, a.call("MULTI"));
    assertEquals("+QUEUED\r\n", a.call("GET", k));
    assertEquals("+QUEUED\r\n", a.call("GET", k2));
    assertEquals("*2\r\n" + bulk("2") + "_\r\n", a.call("EXEC"));
    assertEquals(OK, b.call("SET", k2, "x"));
    assertEquals(invalidate(k2), a.reply());
    // Any other command uses it up, even one refused.
    assertEquals(OK, a.call("CLIENT", "CACHING", "yes"));
    assertEquals("-ERR wrong number of arguments for 'get' command\r\n", a.call("GET"));
    assertEquals(bulk("x"), a.call("GET", k2));
    assertEquals(OK, b.call("SET", k2, "y"));
    assertNull(a.replyWithin(300));
  }

  @Test
  void optOutTracksEverythingButTheCommandAfterCachingNo() throws IOException {
    String k = key();
    resp3(a);
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON", "OPTOUT"));
    assertEquals(OK, a.call("CLIENT", "CACHING", "no"));
    assertEquals("_\r\n", a.call("GET", k));
    assertEquals(OK, b.call("SET", k, "1"));
    assertNull(a.replyWithin(300));
    assertEquals(bulk("1"), a.call("GET", k));
    assertEquals(OK, b.call("SET", k, "2"));
    assertEquals(invalidate(k), a.reply());
  }

  @Test
  void flushSendsANullInvalidationToEveryTrackingClient() throws IOException {
    resp3(a);
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON"));
    assertEquals(OK, b.call("FLUSHALL"));
    assertEquals(">2\r\n$10\r\ninvalidate\r\n_\r\n", a.reply());
  }

  @Test
  void anExpiredKeyIsInvalidated() throws IOException {
    String k = key();
    resp3(a);
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON"));
    assertEquals(OK, b.call("SET", k, "v", "PX", "200"));
    assertEquals(bulk("v"), a.call("GET", k));
    assertEquals(invalidate(k), a.replyWithin(3000), "nobody reads it: active expiry");
  }

  @Test
  void invalidationsGoToTheRedirectTarget() throws IOException {
    String k = key();
    try (RawResp d = new RawResp(respAddress())) {
      resp3(d);
      long target = id(d);
      assertEquals(OK, a.call("CLIENT", "TRACKING", "ON", "REDIRECT", Long.toString(target)));
      assertEquals(":" + target + "\r\n", a.call("CLIENT", "GETREDIR"));
      assertEquals("$-1\r\n", a.call("GET", k));
      assertEquals(OK, b.call("SET", k, "v"));
      assertEquals(invalidate(k), d.reply());
    }
  }

  @Test
  void aClientWhoseRedirectTargetIsGoneIsToldSo() throws IOException {
    String k = key();
    long target;
    try (RawResp d = new RawResp(respAddress())) {
      target = id(d);
      resp3(a);
      assertEquals(OK, a.call("CLIENT", "TRACKING", "ON", "REDIRECT", Long.toString(target)));
    }
    assertEquals("_\r\n", a.call("GET", k));
    // The target's connection closes asynchronously: write until the broken redirect shows.
    String pushed = null;
    for (int i = 0; i < 50 && pushed == null; i++) {
      assertEquals(OK, b.call("SET", k, "v"));
      pushed = a.replyWithin(100);
      if (pushed == null) {
        a.call("GET", k);
      }
    }
    assertEquals(">2\r\n$21\r\ntracking-redir-broken\r\n:" + target + "\r\n", pushed);
    assertEquals("%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n"
        + "$8\r\nredirect\r\n:" + target + "\r\n$8\r\nprefixes\r\n*0\r\n",
        a.call("CLIENT", "TRACKINGINFO"));
  }

  @Test
  void aFullTrackingTableDropsKeysWithAnInvalidation() throws IOException {
    String k1 = key();
    String k2 = key();
    resp3(a);
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON"));
    assertEquals(OK, b.call("CONFIG", "SET", "tracking-table-max-keys", "1"));
    try {
      assertEquals("_\r\n", a.call("GET", k1));
      a.send(RawResp.command("GET", k2));
      // Redis drops keys at random from its cron: the push may come before or after GET's
      // reply, and be for either key.
      java.util.List<String> seen = new java.util.ArrayList<>(java.util.List.of(a.reply()));
      seen.add(a.replyWithin(3000));
      assertTrue(seen.remove("_\r\n"), seen.toString());
      assertTrue(seen.equals(java.util.List.of(invalidate(k1)))
          || seen.equals(java.util.List.of(invalidate(k2))), seen.toString());
    } finally {
      assertEquals(OK, b.call("CONFIG", "SET", "tracking-table-max-keys", "1000000"));
    }
  }

  @Test
  void trackingStateAsRespTwoReportsIt() throws IOException {
    assertEquals(":-1\r\n", a.call("CLIENT", "GETREDIR"));
    assertEquals("*6\r\n$5\r\nflags\r\n*1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n"
        + "$8\r\nprefixes\r\n*0\r\n", a.call("CLIENT", "TRACKINGINFO"));
    assertEquals(OK, a.call("CLIENT", "TRACKING", "on", "BCAST", "NOLOOP"));
    assertEquals(":0\r\n", a.call("CLIENT", "GETREDIR"));
    assertEquals("*6\r\n$5\r\nflags\r\n*3\r\n$2\r\non\r\n$5\r\nbcast\r\n$6\r\nnoloop\r\n"
        + "$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*1\r\n$0\r\n\r\n",
        a.call("CLIENT", "TRACKINGINFO"));
    assertEquals(OK, a.call("CLIENT", "TRACKING", "OFF"));
    assertEquals(":-1\r\n", a.call("CLIENT", "GETREDIR"));
  }

  @Test
  void badOptionsAreRefusedWithRedisErrors() throws IOException {
    Map<String[], String> cases = new java.util.LinkedHashMap<>();
    cases.put(new String[] {"CLIENT", "TRACKING", "maybe"}, "-ERR syntax error\r\n");
    cases.put(new String[] {"CLIENT", "TRACKING", "ON", "FOO"}, "-ERR syntax error\r\n");
    cases.put(new String[] {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX"},
        "-ERR syntax error\r\n");
    cases.put(new String[] {"CLIENT", "TRACKING", "ON", "PREFIX", "x"},
        "-ERR PREFIX option requires BCAST mode to be enabled\r\n");
    cases.put(new String[] {"CLIENT", "TRACKING", "ON", "BCAST", "PREFIX", "a", "PREFIX", "ab"},
        "-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single"
            + " client must not overlap.\r\n");
    cases.put(new String[] {"CLIENT", "TRACKING", "ON", "OPTIN", "OPTOUT"},
        "-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n");
    cases.put(new String[] {"CLIENT", "TRACKING", "ON", "BCAST", "OPTIN"},
        "-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n");
    cases.put(new String[] {"CLIENT", "TRACKING", "ON", "REDIRECT", "0"},
        "-ERR The client ID you want redirect to does not exist\r\n");
    cases.put(new String[] {"CLIENT", "TRACKING", "ON", "REDIRECT", "abc"},
        "-ERR value is not an integer or out of range\r\n");
    cases.put(new String[] {"CLIENT", "CACHING", "yes"}, "-ERR CLIENT CACHING can be called"
        + " only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n");
    cases.put(new String[] {"CLIENT", "TRACKING"},
        "-ERR wrong number of arguments for 'client|tracking' command\r\n");
    for (Map.Entry<String[], String> c : cases.entrySet()) {
      assertEquals(c.getValue(), a.call(c.getKey()), String.join(" ", c.getKey()));
    }
    assertEquals(OK, a.call("CLIENT", "TRACKING", "ON", "OPTIN"));
    assertEquals("-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this"
        + " client, and then re-enabling it with a different mode.\r\n",
        a.call("CLIENT", "TRACKING", "ON", "OPTOUT"));
    assertEquals("-ERR You can't switch BCAST mode on/off before disabling tracking for this"
        + " client, and then re-enabling it with a different mode.\r\n",
        a.call("CLIENT", "TRACKING", "ON", "BCAST"));
    assertEquals("-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT"
        + " mode.\r\n", a.call("CLIENT", "CACHING", "no"));
    assertEquals("-ERR syntax error\r\n", a.call("CLIENT", "CACHING", "maybe"));
  }

  /** Lettuce's client-side cache (RESP3 tracking) never serves a value another client changed. */
  @Test
  void lettucesClientSideCacheIsInvalidated() throws Exception {
    String k = key();
    RedisClient client = RedisClient.create(RedisURI.create(
        respAddress().getHostString(), respAddress().getPort()));
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      Map<String, String> local = new ConcurrentHashMap<>();
      CacheFrontend<String, String> cache = ClientSideCaching.enable(
          CacheAccessor.forMap(local), connection, TrackingArgs.Builder.enabled());
      assertEquals(OK, b.call("SET", k, "one"));
      assertEquals("one", cache.get(k));
      assertEquals("one", local.get(k), "cached in the application");
      assertEquals(OK, b.call("SET", k, "two"));
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (local.containsKey(k) && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertNull(local.get(k), "invalidated by the server's push");
      assertEquals("two", cache.get(k));
      cache.close();
    } finally {
      client.shutdown();
    }
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
