package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.CopyArgs;
import io.lettuce.core.ExpireArgs;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.args.ExpiryOption;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Redis 7.0 generic key commands (db.c, expire.c, object.c): exact reply bytes and error texts
 * over a raw socket, and the same behaviour through Jedis and Lettuce. Run against Sidecache and
 * a real redis-server. Tests that flush or count the whole keyspace rely on the suite's tests
 * running one at a time on their own server.
 */
abstract class RespKeysConformance extends RespClientSuite {

  @Test
  void del_unlink_exists_touch() throws IOException {
    String a = key();
    String b = key();
    raw.call("MSET", a, "1", b, "2");
    assertEquals(integer(3), raw.call("EXISTS", a, a, b));
    assertEquals(integer(3), raw.call("TOUCH", a, b, a, key()));
    assertEquals(integer(1), raw.call("UNLINK", a, a, key()));
    assertEquals(integer(1), raw.call("DEL", b));
    assertEquals(integer(0), raw.call("EXISTS", a, b));
    assertEquals(err("wrong number of arguments for 'unlink' command"), raw.call("UNLINK"));
    assertEquals(err("wrong number of arguments for 'touch' command"), raw.call("TOUCH"));
    jedis.set(a, "j");
    assertEquals(1, jedis.touch(a));
    assertEquals(1, jedis.unlink(a));
    lettuce.set(b, "l");
    assertEquals(1, lettuce.touch(b, key()));
    assertEquals(1, lettuce.unlink(b));
  }

  @Test
  void type_stringOrNone() throws IOException {
    String k = key();
    assertEquals("+none\r\n", raw.call("TYPE", k));
    raw.call("SET", k, "v");
    assertEquals("+string\r\n", raw.call("TYPE", k));
    assertEquals("string", jedis.type(k));
    assertEquals("none", lettuce.type(key()));
  }

  @Test
  void expireFamily_unitsOptionsAndErrors() throws IOException {
    String k = key();
    assertEquals(integer(0), raw.call("PEXPIRE", k, "1000"));
    assertEquals(integer(0), raw.call("EXPIREAT", k, "99999999999"));
    raw.call("SET", k, "v");
    assertEquals(integer(1), raw.call("PEXPIRE", k, "100000"));
    assertEquals(integer(100), raw.call("TTL", k));
    long at = System.currentTimeMillis() / 1000 + 500;
    assertEquals(integer(1), raw.call("EXPIREAT", k, Long.toString(at)));
    assertEquals(integer(at), raw.call("EXPIRETIME", k));
    assertEquals(integer(at * 1000), raw.call("PEXPIRETIME", k));
    assertEquals(integer(0), raw.call("PEXPIREAT", k, Long.toString(at * 1000 + 1), "LT"));
    assertEquals(integer(1), raw.call("PEXPIREAT", k, Long.toString(at * 1000 - 1), "LT"));
    assertEquals(integer(0), raw.call("EXPIREAT", k, Long.toString(at + 10), "NX"));
    assertEquals(integer(1), raw.call("EXPIREAT", k, Long.toString(at + 10), "XX", "GT"));
    assertEquals(integer(at + 10), raw.call("EXPIRETIME", k));
    assertEquals(err("NX and XX, GT or LT options at the same time are not compatible"),
        raw.call("PEXPIRE", k, "10", "NX", "XX"));
    assertEquals(err("GT and LT options at the same time are not compatible"),
        raw.call("PEXPIREAT", k, "10", "GT", "LT"));
    assertEquals(err("Unsupported option BAR"), raw.call("EXPIREAT", k, "10", "BAR"));
    assertEquals(err("Unsupported option BAR"), raw.call("EXPIREAT", k, "x", "BAR"),
        "options are checked before the time");
    assertEquals(err("value is not an integer or out of range"), raw.call("PEXPIRE", k, "1.5"));
    assertEquals(err("invalid expire time in 'expireat' command"),
        raw.call("EXPIREAT", k, "9223372036854775807"));
    assertEquals(err("invalid expire time in 'pexpire' command"),
        raw.call("PEXPIRE", k, "9223372036854775807"));
    assertEquals(err("invalid expire time in 'expire' command"),
        raw.call("EXPIRE", k, "-9223372036854775808"));
    assertEquals(err("wrong number of arguments for 'pexpireat' command"),
        raw.call("PEXPIREAT", k));
    assertEquals(integer(1), raw.call("EXPIREAT", k, "1"), "a time in the past deletes the key");
    assertEquals(integer(0), raw.call("EXISTS", k));
    raw.call("SET", k, "v");
    assertEquals(integer(1), raw.call("PEXPIREAT", k, "-5"));
    assertEquals(integer(0), raw.call("EXISTS", k));
    raw.call("SET", k, "v");
    assertEquals(integer(1), raw.call("PEXPIRE", k, "30"));
    awaitGone(k);
    String j = key();
    jedis.set(j, "v");
    assertEquals(1, jedis.expire(j, 100, ExpiryOption.NX));
    assertEquals(0, jedis.expire(j, 50, ExpiryOption.GT));
    assertEquals(1, jedis.pexpire(j, 50_000));
    assertTrue(jedis.pttl(j) > 49_000 && jedis.pttl(j) <= 50_000);
    assertEquals(Boolean.TRUE, lettuce.expire(j, 10, ExpireArgs.Builder.lt()));
    assertEquals(10, lettuce.ttl(j));
    assertTrue(lettuce.expiretime(j) >= System.currentTimeMillis() / 1000);
  }

  @Test
  void ttlFamily_missingAndPersistent() throws IOException {
    String k = key();
    for (String cmd : List.of("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME")) {
      assertEquals(integer(-2), raw.call(cmd, k), cmd);
    }
    raw.call("SET", k, "v");
    for (String cmd : List.of("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME")) {
      assertEquals(integer(-1), raw.call(cmd, k), cmd);
    }
    assertEquals(err("wrong number of arguments for 'pttl' command"), raw.call("PTTL", k, k));
    assertEquals(-1, jedis.expireTime(k));
    assertEquals(-2, lettuce.pexpiretime(key()));
  }

  @Test
  void persist_removesExpiry() throws IOException {
    String k = key();
    assertEquals(integer(0), raw.call("PERSIST", k));
    raw.call("SET", k, "v");
    assertEquals(integer(0), raw.call("PERSIST", k));
    raw.call("EXPIRE", k, "100");
    assertEquals(integer(1), raw.call("PERSIST", k));
    assertEquals(integer(-1), raw.call("TTL", k));
    jedis.expire(k, 100);
    assertEquals(1, jedis.persist(k));
    assertEquals(Boolean.FALSE, lettuce.persist(k));
  }

  @Test
  void rename_renamenx() throws IOException {
    String a = key();
    String b = key();
    String c = key();
    assertEquals(err("no such key"), raw.call("RENAME", a, b));
    assertEquals(err("no such key"), raw.call("RENAMENX", a, b));
    assertEquals(err("no such key"), raw.call("RENAME", a, a));
    raw.call("SET", a, "1", "EX", "100");
    assertEquals("+OK\r\n", raw.call("RENAME", a, a));
    assertEquals(integer(0), raw.call("RENAMENX", a, a));
    assertEquals("+OK\r\n", raw.call("RENAME", a, b));
    assertEquals(integer(0), raw.call("EXISTS", a));
    assertEquals(integer(100), raw.call("TTL", b), "the expiry moves with the value");
    raw.call("SET", c, "2");
    assertEquals(integer(0), raw.call("RENAMENX", b, c));
    assertEquals("+OK\r\n", raw.call("RENAME", b, c));
    assertEquals(bulk("1"), raw.call("GET", c));
    assertEquals(integer(100), raw.call("TTL", c));
    assertEquals(integer(1), raw.call("RENAMENX", c, a));
    assertEquals("OK", jedis.rename(a, b));
    assertEquals(1, jedis.renamenx(b, c));
    assertEquals(Boolean.TRUE, lettuce.renamenx(c, a));
    assertEquals("OK", lettuce.rename(a, b));
    assertEquals("1", lettuce.get(b));
  }

  @Test
  void copy_optionsAndErrors() throws IOException {
    String a = key();
    String b = key();
    assertEquals(integer(0), raw.call("COPY", a, b));
    raw.call("SET", a, "1", "EX", "100");
    assertEquals(integer(1), raw.call("COPY", a, b));
    assertEquals(integer(100), raw.call("TTL", b), "the expiry is copied");
    raw.call("SET", a, "2");
    assertEquals(integer(0), raw.call("COPY", a, b));
    assertEquals(integer(1), raw.call("COPY", a, b, "REPLACE"));
    assertEquals(bulk("2"), raw.call("GET", b));
    assertEquals(integer(1), raw.call("COPY", a, key(), "DB", "0", "replace"));
    assertEquals(err("source and destination objects are the same"), raw.call("COPY", a, a));
    assertEquals(err("source and destination objects are the same"),
        raw.call("COPY", a, a, "DB", "0"));
    assertEquals(err("source and destination objects are the same"), raw.call("COPY", b, b),
        "also when the key is missing: the check comes before the lookup");
    assertEquals(err("value is not an integer or out of range"),
        raw.call("COPY", a, a, "DB", "x"), "options come before the same-key check");
    assertEquals(err("value is out of range, value must between -2147483648 and 2147483647"),
        raw.call("COPY", a, b, "DB", "4294967296"));
    assertEquals(err("DB index is out of range"), raw.call("COPY", a, b, "DB", "-1"));
    assertEquals(err("syntax error"), raw.call("COPY", a, b, "DB"));
    assertEquals(err("syntax error"), raw.call("COPY", a, b, "FOO"));
    assertEquals(true, jedis.copy(a, key(), false));
    assertEquals(Boolean.TRUE, lettuce.copy(a, b, CopyArgs.Builder.replace(true)));
  }

  @Test
  void keys_globPatterns() throws IOException {
    raw.call("FLUSHALL");
    for (String k : List.of("hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "h[llo",
        "user:1:name", "user:22:name", "user:3:mail", "\\x", "a-b", "b")) {
      raw.call("SET", k, "v");
    }
    assertEquals(Set.of("hello", "hallo", "hxllo", "h*llo", "h[llo"), keys("h?llo"));
    assertEquals(Set.of("hello", "hallo", "hxllo", "hllo", "heeeello", "h*llo", "h[llo"),
        keys("h*llo"));
    assertEquals(Set.of("hello", "hallo"), keys("h[ae]llo"));
    assertEquals(Set.of("hxllo", "h*llo", "h[llo"), keys("h[^ae]llo"));
    assertEquals(Set.of("hallo", "hello"), keys("h[a-e]llo"));
    assertEquals(Set.of("hallo", "hello"), keys("h[e-a]llo"));
    assertEquals(Set.of("h*llo"), keys("h\\*llo"));
    assertEquals(Set.of("h[llo"), keys("h\\[llo"));
    assertEquals(Set.of("user:1:name", "user:22:name"), keys("user:*:name"));
    assertEquals(Set.of("user:1:name", "user:3:mail"), keys("user:?:*"));
    assertEquals(Set.of("\\x"), keys("\\\\x"));
    assertEquals(Set.of("a-b", "b"), keys("*b"));
    assertEquals(Set.of(), keys("nothing*"));
    assertEquals(13, keys("*").size());
    assertEquals(13, new HashSet<>(jedis.keys("*")).size());
    assertEquals(Set.of("user:3:mail"), new HashSet<>(lettuce.keys("*mail")));
    assertEquals(err("wrong number of arguments for 'keys' command"), raw.call("KEYS"));
  }

  private Set<String> keys(String pattern) {
    return new TreeSet<>(jedis.keys(pattern));
  }

  @Test
  void scan_smallCountReturnsEveryKey() throws IOException {
    raw.call("FLUSHALL");
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < 57; i++) {
      String k = (i % 3 == 0 ? "odd:" : "key:") + i;
      expected.add(k);
      raw.call("SET", k, "v");
    }
    Set<String> seen = new HashSet<>();
    String cursor = ScanParams.SCAN_POINTER_START;
    int pages = 0;
    do {
      ScanResult<String> page = jedis.scan(cursor, new ScanParams().count(3));
      seen.addAll(page.getResult());
      cursor = page.getCursor();
      assertTrue(++pages < 1000);
    } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    assertEquals(expected, seen);
    Set<String> odd = new HashSet<>();
    KeyScanCursor<String> c = lettuce.scan(ScanArgs.Builder.matches("odd:*").limit(5));
    odd.addAll(c.getKeys());
    while (!c.isFinished()) {
      c = lettuce.scan(c, ScanArgs.Builder.matches("odd:*").limit(5));
      odd.addAll(c.getKeys());
    }
    assertEquals(19, odd.size());
    assertTrue(odd.stream().allMatch(k -> k.startsWith("odd:")));
    Set<String> typed = new HashSet<>();
    cursor = "0";
    do {
      ScanResult<String> page = jedis.scan(cursor, new ScanParams().count(100), "string");
      typed.addAll(page.getResult());
      cursor = page.getCursor();
    } while (!cursor.equals("0"));
    assertEquals(expected, typed);
    assertEquals("*2\r\n$1\r\n0\r\n*0\r\n", raw.call("SCAN", "0", "COUNT", "1000", "TYPE", "hash"));
    KeyScanCursor<String> all = lettuce.scan(ScanCursor.INITIAL, ScanArgs.Builder.limit(1000));
    assertEquals(57, all.getKeys().size());
  }

  @Test
  void scan_cursorAndOptionErrors() throws IOException {
    assertEquals(err("invalid cursor"), raw.call("SCAN", "abc"));
    assertEquals(err("invalid cursor"), raw.call("SCAN", "1x"));
    assertEquals(err("invalid cursor"), raw.call("SCAN", " 1"));
    assertEquals(err("invalid cursor"), raw.call("SCAN", "-"));
    assertEquals(err("invalid cursor"), raw.call("SCAN", "18446744073709551616"));
    assertEquals(err("syntax error"), raw.call("SCAN", "0", "COUNT", "0"));
    assertEquals(err("syntax error"), raw.call("SCAN", "0", "COUNT", "-1"));
    assertEquals(err("syntax error"), raw.call("SCAN", "0", "MATCH"));
    assertEquals(err("syntax error"), raw.call("SCAN", "0", "FOO", "bar"));
    assertEquals(err("value is not an integer or out of range"),
        raw.call("SCAN", "0", "COUNT", "x"));
    assertEquals(err("invalid cursor"), raw.call("SCAN", "x", "COUNT", "0"),
        "the cursor is checked before the options");
    assertEquals(err("wrong number of arguments for 'scan' command"), raw.call("SCAN"));
    for (String cursor : List.of("", "007", "+5", "-1", "18446744073709551615")) {
      assertTrue(raw.call("SCAN", cursor, "COUNT", "1").startsWith("*2\r\n$"), cursor);
    }
  }

  /**
   * {@code INFO keyspace}'s {@code db0:keys=N,expires=M,avg_ttl=MS}. Redis's avg_ttl is a running
   * estimate its expiry cycle updates ten times a second, so the test waits for it to be taken.
   */
  @Test
  void infoKeyspace_countsKeysWithATtl() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(target().isCluster(), "INFO is per node");
    assertEquals("+OK\r\n", raw.call("FLUSHDB"));
    assertEquals("$12\r\n# Keyspace\r\n\r\n", raw.call("INFO", "keyspace"), "no db0 line");
    raw.call("SET", "plain", "v");
    raw.call("SET", "soon", "v", "EX", "100");
    raw.call("SET", "later", "v", "PX", "300000");
    raw.call("SET", "gone", "v", "EX", "100");
    raw.call("PERSIST", "gone");
    java.util.regex.Pattern line =
        java.util.regex.Pattern.compile("db0:keys=4,expires=2,avg_ttl=(\\d+)\r\n");
    long deadline = System.nanoTime() + 5_000_000_000L;
    long avg;
    String info;
    do {
      info = raw.call("INFO", "keyspace");
      java.util.regex.Matcher m = line.matcher(info);
      assertTrue(m.find(), info);
      avg = Long.parseLong(m.group(1));
    } while (avg == 0 && System.nanoTime() < deadline && sleep(50));
    assertTrue(avg > 190_000 && avg <= 200_000, info);
    assertEquals(integer(1), raw.call("DEL", "later"));
    raw.call("EXPIRE", "plain", "5");
    info = raw.call("INFO", "keyspace");
    assertTrue(info.contains("db0:keys=3,expires=2,avg_ttl="), info);
    assertEquals("+OK\r\n", raw.call("FLUSHDB"));
    assertEquals("$12\r\n# Keyspace\r\n\r\n", raw.call("INFO", "keyspace"));
  }

  private static boolean sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
    return true;
  }

  @Test
  void randomkey_dbsize_flush() throws IOException {
    assertEquals("+OK\r\n", raw.call("FLUSHDB"));
    assertEquals(integer(0), raw.call("DBSIZE"));
    assertEquals("$-1\r\n", raw.call("RANDOMKEY"));
    raw.call("SET", "only", "v");
    assertEquals(bulk("only"), raw.call("RANDOMKEY"));
    raw.call("SET", "second", "v");
    assertEquals(integer(2), raw.call("DBSIZE"));
    assertTrue(Set.of("only", "second").contains(jedis.randomKey()));
    assertEquals(err("syntax error"), raw.call("FLUSHALL", "FOO"));
    assertEquals(err("syntax error"), raw.call("FLUSHDB", "SYNC", "ASYNC"));
    assertEquals(integer(2), raw.call("DBSIZE"), "a rejected flush removes nothing");
    assertEquals("+OK\r\n", raw.call("FLUSHALL", "async"));
    assertEquals(integer(0), raw.call("DBSIZE"));
    raw.call("SET", "x", "1");
    assertEquals("+OK\r\n", raw.call("FLUSHDB", "SYNC"));
    assertEquals(0, jedis.dbSize());
    lettuce.set("y", "1");
    assertEquals(1, lettuce.dbsize());
    assertEquals("OK", lettuce.flushall());
    assertNull(lettuce.randomkey());
    assertEquals(err("wrong number of arguments for 'dbsize' command"), raw.call("DBSIZE", "x"));
  }

  @Test
  void object_encodingRefcountFreqHelp() throws IOException {
    String i = key();
    String big = key();
    String neg = key();
    String s = key();
    String raw45 = key();
    raw.call("MSET", i, "100", big, "12345678901", neg, "-5", s, "hello", raw45, "x".repeat(45));
    assertEquals(bulk("int"), raw.call("OBJECT", "ENCODING", i));
    assertEquals(bulk("int"), raw.call("OBJECT", "encoding", neg));
    assertEquals(bulk("embstr"), raw.call("OBJECT", "ENCODING", s));
    assertEquals(bulk("raw"), raw.call("OBJECT", "ENCODING", raw45));
    String e44 = key();
    raw.call("SET", e44, "y".repeat(44));
    assertEquals(bulk("embstr"), raw.call("OBJECT", "ENCODING", e44));
    String leadingZero = key();
    raw.call("SET", leadingZero, "0123");
    assertEquals(bulk("embstr"), raw.call("OBJECT", "ENCODING", leadingZero));
    assertEquals("$-1\r\n", raw.call("OBJECT", "ENCODING", key()));
    assertEquals(integer(2147483647), raw.call("OBJECT", "REFCOUNT", i));
    assertEquals(integer(1), raw.call("OBJECT", "REFCOUNT", big));
    assertEquals(integer(1), raw.call("OBJECT", "REFCOUNT", neg));
    assertEquals(integer(1), raw.call("OBJECT", "REFCOUNT", s));
    assertEquals("$-1\r\n", raw.call("OBJECT", "REFCOUNT", key()));
    assertEquals(err("An LFU maxmemory policy is not selected, access frequency not tracked."
        + " Please note that when switching between policies at runtime LRU and LFU data will"
        + " take some time to adjust."), raw.call("OBJECT", "FREQ", s));
    assertEquals("$-1\r\n", raw.call("OBJECT", "FREQ", key()));
    assertEquals(err("wrong number of arguments for 'object|encoding' command"),
        raw.call("OBJECT", "ENCODING"));
    assertEquals(err("unknown subcommand 'foo'. Try OBJECT HELP."), raw.call("OBJECT", "foo"));
    assertEquals(err("wrong number of arguments for 'object' command"), raw.call("OBJECT"));
    String help = raw.call("OBJECT", "HELP");
    assertTrue(help.startsWith("+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        help.indexOf("\r\n") + 2), help);
    assertTrue(help.contains("+ENCODING <key>\r\n") && help.endsWith("+HELP\r\n+    Prints this help.\r\n"));
    assertEquals("embstr", jedis.objectEncoding(s));
    assertEquals(2147483647L, jedis.objectRefcount(i));
    assertEquals("int", lettuce.objectEncoding(i));
  }

  /**
   * {@code OBJECT IDLETIME}: seconds since the last access, not reset by asking, reset by a read
   * or a write (both servers count whole seconds of a clock, so a 2.2 s wait reads 1 to 3).
   */
  @Test
  void object_idletime_secondsSinceLastAccess() throws Exception {
    // Idle times are whole seconds of a clock that ticks once a second (Redis's LRU clock has a
    // resolution of 1000 ms), so "just accessed" reads 0, or 1 when a tick fell in between.
    String justAccessed = ":[01]\r\n";
    String k = key();
    String other = key();
    raw.call("SET", k, "v");
    raw.call("SET", other, "w");
    assertTrue(raw.call("OBJECT", "IDLETIME", k).matches(justAccessed));
    Thread.sleep(2_200);
    assertTrue(raw.call("OBJECT", "IDLETIME", k).matches(":[123]\r\n"));
    assertTrue(raw.call("OBJECT", "IDLETIME", k).matches(":[123]\r\n"), "asking is no access");
    raw.call("GET", k);
    String afterGet = raw.call("OBJECT", "IDLETIME", k);
    assertTrue(afterGet.matches(justAccessed), afterGet);
    raw.call("SET", other, "x");
    assertTrue(raw.call("OBJECT", "IDLETIME", other).matches(justAccessed));
    assertEquals("$-1\r\n", raw.call("OBJECT", "IDLETIME", key()));
    assertTrue(jedis.objectIdletime(k) <= 1);
  }

}
