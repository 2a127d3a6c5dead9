package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.GetExArgs;
import io.lettuce.core.KeyValue;
import io.lettuce.core.LcsArgs;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.StringMatchResult;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.GetExParams;
import redis.clients.jedis.params.LCSParams;
import redis.clients.jedis.resps.LCSMatchResult;

/**
 * Redis 7.0 string commands (t_string.c): exact reply bytes and error texts over a raw socket,
 * and the same behaviour through Jedis and Lettuce. Run against Sidecache and against a real
 * redis-server, so every assertion is also a statement about Redis.
 */
abstract class RespStringsConformance extends RespClientSuite {

  private static void assertJedisError(String message, Executable call) {
    JedisDataException e = org.junit.jupiter.api.Assertions.assertThrows(
        JedisDataException.class, call);
    assertEquals(message, e.getMessage());
  }

  private static void assertLettuceError(String message, Executable call) {
    RedisCommandExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
        RedisCommandExecutionException.class, call);
    assertEquals(message, e.getMessage());
  }

  @Test
  void setnx_onlyWhenAbsent() throws IOException {
    String k = key();
    assertEquals(integer(1), raw.call("SETNX", k, "a"));
    assertEquals(integer(0), raw.call("SETNX", k, "b"));
    assertEquals(bulk("a"), raw.call("GET", k));
    assertEquals(err("wrong number of arguments for 'setnx' command"), raw.call("SETNX", k));
    String j = key();
    assertEquals(1, jedis.setnx(j, "x"));
    assertEquals(0, jedis.setnx(j, "y"));
    assertEquals(Boolean.FALSE, lettuce.setnx(j, "z"));
    assertEquals("x", lettuce.get(j));
  }

  @Test
  void setex_psetex_expiryAndErrors() throws IOException {
    String k = key();
    assertEquals("+OK\r\n", raw.call("SETEX", k, "100", "v"));
    assertEquals(integer(100), raw.call("TTL", k));
    assertEquals("+OK\r\n", raw.call("PSETEX", k, "100000", "w"));
    assertEquals(integer(100), raw.call("TTL", k));
    assertEquals(err("invalid expire time in 'setex' command"), raw.call("SETEX", k, "0", "v"));
    assertEquals(err("invalid expire time in 'setex' command"), raw.call("SETEX", k, "-5", "v"));
    assertEquals(err("invalid expire time in 'psetex' command"), raw.call("PSETEX", k, "0", "v"));
    assertEquals(err("invalid expire time in 'setex' command"),
        raw.call("SETEX", k, "9223372036854775807", "v"));
    assertEquals(err("value is not an integer or out of range"), raw.call("SETEX", k, "1.5", "v"));
    assertEquals(bulk("w"), raw.call("GET", k), "failed SETEX calls change nothing");
    assertEquals("OK", jedis.setex(k, 50, "j"));
    assertEquals(50, jedis.ttl(k));
    assertEquals("OK", lettuce.psetex(k, 1, "l"));
    awaitGone(k);
    assertJedisError("ERR invalid expire time in 'setex' command", () -> jedis.setex(k, 0, "v"));
  }

  @Test
  void getset_returnsOldAndDropsTtl() throws IOException {
    String k = key();
    assertEquals("$-1\r\n", raw.call("GETSET", k, "a"));
    raw.call("SET", k, "b", "EX", "100");
    assertEquals(bulk("b"), raw.call("GETSET", k, "c"));
    assertEquals(integer(-1), raw.call("TTL", k));
    assertEquals("c", jedis.getSet(k, "d"));
    assertEquals("d", lettuce.getset(k, "e"));
    assertEquals("e", lettuce.get(k));
  }

  @Test
  void getdel_removes() throws IOException {
    String k = key();
    assertEquals("$-1\r\n", raw.call("GETDEL", k));
    raw.call("SET", k, "v");
    assertEquals(bulk("v"), raw.call("GETDEL", k));
    assertEquals(integer(0), raw.call("EXISTS", k));
    jedis.set(k, "j");
    assertEquals("j", jedis.getDel(k));
    assertNull(lettuce.getdel(k));
  }

  @Test
  void getex_optionsErrorsAndOrder() throws IOException {
    String k = key();
    String missing = key();
    assertEquals("$-1\r\n", raw.call("GETEX", missing));
    assertEquals("$-1\r\n", raw.call("GETEX", missing, "EX", "abc"),
        "a missing key answers null before the time is checked");
    assertEquals(err("syntax error"), raw.call("GETEX", missing, "KEEPTTL"));
    raw.call("SET", k, "v");
    assertEquals(bulk("v"), raw.call("GETEX", k, "EX", "100"));
    assertEquals(integer(100), raw.call("TTL", k));
    assertEquals(bulk("v"), raw.call("GETEX", k, "PERSIST"));
    assertEquals(integer(-1), raw.call("TTL", k));
    assertEquals(bulk("v"), raw.call("GETEX", k, "px", "100000", "PX", "200000"));
    assertEquals(integer(200), raw.call("TTL", k));
    assertEquals(err("value is not an integer or out of range"), raw.call("GETEX", k, "EX", "x"));
    assertEquals(err("invalid expire time in 'getex' command"), raw.call("GETEX", k, "EX", "0"));
    assertEquals(err("invalid expire time in 'getex' command"),
        raw.call("GETEX", k, "EX", "9223372036854775807"));
    assertEquals(err("syntax error"), raw.call("GETEX", k, "PERSIST", "EX", "1"));
    assertEquals(err("syntax error"), raw.call("GETEX", k, "EX", "1", "PERSIST"));
    assertEquals(err("syntax error"), raw.call("GETEX", k, "EX", "1", "PX", "1"));
    assertEquals(err("syntax error"), raw.call("GETEX", k, "EX"));
    long future = System.currentTimeMillis() / 1000 + 1000;
    assertEquals(bulk("v"), raw.call("GETEX", k, "EXAT", Long.toString(future)));
    assertEquals(integer(future), raw.call("EXPIRETIME", k));
    assertEquals(bulk("v"), raw.call("GETEX", k, "PXAT", "1"));
    assertEquals(integer(0), raw.call("EXISTS", k), "a PXAT in the past deletes the key");
    jedis.set(k, "j");
    assertEquals("j", jedis.getEx(k, GetExParams.getExParams().ex(30)));
    assertEquals(30, jedis.ttl(k));
    assertEquals("j", lettuce.getex(k, GetExArgs.Builder.persist()));
    assertEquals(-1, lettuce.ttl(k));
  }

  @Test
  void mget_mset_msetnx() throws IOException {
    String a = key();
    String b = key();
    String c = key();
    assertEquals("+OK\r\n", raw.call("MSET", a, "1", b, "2"));
    assertEquals("*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n", raw.call("MGET", a, c, b));
    assertEquals(err("wrong number of arguments for 'mset' command"), raw.call("MSET", a, "1", b));
    assertEquals(err("wrong number of arguments for 'mset' command"), raw.call("MSET", a));
    assertEquals(err("wrong number of arguments for 'msetnx' command"),
        raw.call("MSETNX", a, "1", b));
    assertEquals(err("wrong number of arguments for 'mget' command"), raw.call("MGET"));
    assertEquals(integer(0), raw.call("MSETNX", c, "3", a, "9"));
    assertEquals("$-1\r\n", raw.call("GET", c), "MSETNX sets nothing when one key exists");
    assertEquals(integer(1), raw.call("MSETNX", c, "3", key(), "4"));
    raw.call("SET", a, "x", "EX", "100");
    raw.call("MSET", a, "y");
    assertEquals(integer(-1), raw.call("TTL", a), "MSET drops the expiry");
    assertEquals("OK", jedis.mset(a, "ja", b, "jb"));
    assertEquals(Arrays.asList("ja", null, "jb"), jedis.mget(a, key(), b));
    assertEquals(0, jedis.msetnx(a, "n"));
    assertEquals("OK", lettuce.mset(Map.of(a, "la")));
    List<KeyValue<String, String>> values = lettuce.mget(a, b);
    assertEquals("la", values.get(0).getValue());
    assertEquals(Boolean.TRUE, lettuce.msetnx(Map.of(key(), "1")));
  }

  @Test
  void append_strlen() throws IOException {
    String k = key();
    assertEquals(integer(0), raw.call("STRLEN", k));
    assertEquals(integer(5), raw.call("APPEND", k, "Hello"));
    assertEquals(integer(11), raw.call("APPEND", k, " World"));
    assertEquals(integer(11), raw.call("STRLEN", k));
    assertEquals(integer(11), raw.call("APPEND", k, ""));
    raw.call("SET", k, "v", "EX", "100");
    raw.call("APPEND", k, "w");
    assertEquals(integer(100), raw.call("TTL", k), "APPEND keeps the expiry");
    assertEquals(3, jedis.append(k, "x"));
    assertEquals(3, jedis.strlen(k));
    assertEquals(4, lettuce.append(k, "y"));
    assertEquals(4, lettuce.strlen(k));
  }

  @Test
  void getrange_substr() throws IOException {
    String k = key();
    raw.call("SET", k, "This is a string");
    assertEquals(bulk("This"), raw.call("GETRANGE", k, "0", "3"));
    assertEquals(bulk("ing"), raw.call("GETRANGE", k, "-3", "-1"));
    assertEquals(bulk("This is a string"), raw.call("GETRANGE", k, "0", "-1"));
    assertEquals(bulk("string"), raw.call("GETRANGE", k, "10", "100"));
    assertEquals(bulk(""), raw.call("GETRANGE", k, "5", "3"));
    assertEquals(bulk(""), raw.call("GETRANGE", k, "-1", "-5"));
    assertEquals(bulk("This"), raw.call("SUBSTR", k, "0", "3"));
    assertEquals(bulk("T"), raw.call("SUBSTR", k, "-100", "-16"));
    assertEquals(bulk(""), raw.call("SUBSTR", key(), "0", "3"));
    assertEquals(err("value is not an integer or out of range"), raw.call("SUBSTR", k, "a", "3"));
    assertEquals(err("wrong number of arguments for 'substr' command"), raw.call("SUBSTR", k, "0"));
    assertEquals("is", jedis.getrange(k, 5, 6));
    assertEquals("a", lettuce.getrange(k, 8, 8));
  }

  @Test
  void setrange_paddingAndLimits() throws IOException {
    String k = key();
    assertEquals(integer(11), raw.call("SETRANGE", k, "6", "World"));
    assertEquals(bulk("\0\0\0\0\0\0World"), raw.call("GET", k));
    assertEquals(integer(11), raw.call("SETRANGE", k, "0", "Hello "));
    assertEquals(bulk("Hello World"), raw.call("GET", k));
    assertEquals(integer(11), raw.call("SETRANGE", k, "3", ""));
    String missing = key();
    assertEquals(integer(0), raw.call("SETRANGE", missing, "5", ""));
    assertEquals(integer(0), raw.call("EXISTS", missing), "writing nothing creates nothing");
    assertEquals(integer(0), raw.call("SETRANGE", missing, "999999999999", ""),
        "an empty value is never too long");
    assertEquals(err("offset is out of range"), raw.call("SETRANGE", k, "-1", "x"));
    assertEquals(err("offset is out of range"), raw.call("SETRANGE", k, "-1", ""));
    assertEquals(err("string exceeds maximum allowed size (proto-max-bulk-len)"),
        raw.call("SETRANGE", k, "536870911", "ab"));
    assertEquals(err("string exceeds maximum allowed size (proto-max-bulk-len)"),
        raw.call("SETRANGE", k, "9223372036854775807", "a"));
    assertEquals(err("value is not an integer or out of range"),
        raw.call("SETRANGE", k, "x", "a"));
    raw.call("SET", k, "v", "EX", "100");
    raw.call("SETRANGE", k, "1", "w");
    assertEquals(integer(100), raw.call("TTL", k), "SETRANGE keeps the expiry");
    assertEquals(3, jedis.setrange(k, 2, "x"));
    assertEquals(4, lettuce.setrange(k, 3, "y"));
    assertEquals("vwxy", jedis.get(k));
  }

  @Test
  void incrDecr_family() throws IOException {
    String k = key();
    assertEquals(integer(-1), raw.call("DECR", k));
    assertEquals(integer(9), raw.call("INCRBY", k, "10"));
    assertEquals(integer(4), raw.call("DECRBY", k, "5"));
    assertEquals(integer(-6), raw.call("INCRBY", k, "-10"));
    assertEquals(integer(-2), raw.call("DECRBY", k, "-4"));
    raw.call("SET", k, "5", "EX", "100");
    raw.call("INCR", k);
    assertEquals(integer(100), raw.call("TTL", k), "INCR keeps the expiry");
    String max = key();
    raw.call("SET", max, "9223372036854775807");
    assertEquals(err("increment or decrement would overflow"), raw.call("INCR", max));
    assertEquals(err("increment or decrement would overflow"), raw.call("INCRBY", max, "1"));
    assertEquals(err("increment or decrement would overflow"), raw.call("DECRBY", max, "-1"));
    String min = key();
    raw.call("SET", min, "-9223372036854775808");
    assertEquals(err("increment or decrement would overflow"), raw.call("DECR", min));
    assertEquals(err("decrement would overflow"),
        raw.call("DECRBY", k, "-9223372036854775808"));
    assertEquals(integer(-9223372036854775808L + 1),
        raw.call("INCRBY", min, "1"));
    assertEquals(err("value is not an integer or out of range"), raw.call("INCRBY", k, "1.5"));
    assertEquals(err("value is not an integer or out of range"),
        raw.call("INCRBY", k, "9223372036854775808"));
    assertEquals(err("value is not an integer or out of range"), raw.call("DECRBY", k, " 1"));
    String text = key();
    raw.call("SET", text, "abc");
    assertEquals(err("value is not an integer or out of range"), raw.call("DECR", text));
    String spaced = key();
    raw.call("SET", spaced, " 1");
    assertEquals(err("value is not an integer or out of range"), raw.call("INCRBY", spaced, "1"));
    assertEquals(err("wrong number of arguments for 'decrby' command"), raw.call("DECRBY", k));
    String j = key();
    assertEquals(10, jedis.incrBy(j, 10));
    assertEquals(7, jedis.decrBy(j, 3));
    assertEquals(6, jedis.decr(j));
    assertEquals(16, lettuce.incrby(j, 10));
    assertEquals(15, lettuce.decr(j));
    assertEquals(5, lettuce.decrby(j, 10));
    assertJedisError("ERR increment or decrement would overflow", () -> jedis.incr(max));
    assertLettuceError("ERR value is not an integer or out of range", () -> lettuce.incr(text));
  }

  @Test
  void incrbyfloat_exactRedisDigits() throws IOException {
    String k = key();
    assertEquals(bulk("10.5"), raw.call("INCRBYFLOAT", k, "10.5"));
    assertEquals(bulk("10.6"), raw.call("INCRBYFLOAT", k, "0.1"));
    raw.call("SET", k, "123456.7");
    assertEquals(bulk("123456.70000000000000284"), raw.call("INCRBYFLOAT", k, "0"));
    raw.call("SET", k, "9999999999999999.5");
    assertEquals(bulk("9999999999999999.599609375"), raw.call("INCRBYFLOAT", k, "0.1"));
    raw.call("SET", k, "1");
    assertEquals(bulk("17"), raw.call("INCRBYFLOAT", k, "0x10"));
    assertEquals(bulk("5017"), raw.call("INCRBYFLOAT", k, "5.0e3"));
    raw.call("SET", k, "1.0e-20");
    assertEquals(bulk("0"), raw.call("INCRBYFLOAT", k, "0"));
    raw.call("SET", k, "5");
    assertEquals(bulk("0"), raw.call("INCRBYFLOAT", k, "-5"));
    assertEquals(err("value is not a valid float"), raw.call("INCRBYFLOAT", k, "1f"));
    assertEquals(err("value is not a valid float"), raw.call("INCRBYFLOAT", k, "nan"));
    assertEquals(err("value is not a valid float"), raw.call("INCRBYFLOAT", k, " 1"));
    assertEquals(err("value is not a valid float"), raw.call("INCRBYFLOAT", k, "1e5000"));
    assertEquals(err("value is not a valid float"), raw.call("INCRBYFLOAT", k, "1e-5000"));
    assertEquals(err("value is not a valid float"), raw.call("INCRBYFLOAT", k, ""));
    assertEquals(err("increment would produce NaN or Infinity"),
        raw.call("INCRBYFLOAT", k, "inf"));
    raw.call("SET", k, "-inf");
    assertEquals(err("increment would produce NaN or Infinity"),
        raw.call("INCRBYFLOAT", k, "1"));
    raw.call("SET", k, "abc");
    assertEquals(err("value is not a valid float"), raw.call("INCRBYFLOAT", k, "1"));
    raw.call("SET", k, "1", "EX", "100");
    raw.call("INCRBYFLOAT", k, "1");
    assertEquals(integer(100), raw.call("TTL", k), "INCRBYFLOAT keeps the expiry");
    String j = key();
    assertEquals(2.5, jedis.incrByFloat(j, 2.5));
    assertEquals(3.0, lettuce.incrbyfloat(j, 0.5));
    assertEquals("3", jedis.get(j));
  }

  @Test
  void lcs_allOptions() throws IOException {
    String a = key();
    String b = key();
    raw.call("MSET", a, "ohmytext", b, "mynewtext");
    assertEquals(bulk("mytext"), raw.call("LCS", a, b));
    assertEquals(integer(6), raw.call("LCS", a, b, "LEN"));
    assertEquals("*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
        + "*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
        raw.call("LCS", a, b, "IDX"));
    assertEquals("*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
        + "$3\r\nlen\r\n:6\r\n", raw.call("LCS", a, b, "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"));
    assertEquals(raw.call("LCS", a, b, "IDX"), raw.call("LCS", a, b, "IDX", "MINMATCHLEN", "-5"));
    assertEquals(bulk(""), raw.call("LCS", key(), key()));
    assertEquals(integer(0), raw.call("LCS", a, key(), "LEN"));
    assertEquals(err("If you want both the length and indexes, please just use IDX."),
        raw.call("LCS", a, b, "LEN", "IDX"));
    assertEquals(err("syntax error"), raw.call("LCS", a, b, "MINMATCHLEN"));
    assertEquals(err("syntax error"), raw.call("LCS", a, b, "FOO"));
    assertEquals(err("value is not an integer or out of range"),
        raw.call("LCS", a, b, "IDX", "MINMATCHLEN", "x"));
    assertEquals(err("wrong number of arguments for 'lcs' command"), raw.call("LCS", a));
    String c = key();
    String d = key();
    raw.call("MSET", c, "ABCBDAB", d, "BDCABA");
    assertEquals(raw.call("LCS", c, d), bulk("BDAB"));
    assertEquals("mytext", jedis.lcs(a, b, LCSParams.LCSParams()).getMatchString());
    LCSMatchResult idx = jedis.lcs(a, b, LCSParams.LCSParams().idx().withMatchLen());
    assertEquals(6, idx.getLen());
    assertEquals(2, idx.getMatches().size());
    assertEquals(4, idx.getMatches().get(0).getMatchLen());
    StringMatchResult result = lettuce.lcs(LcsArgs.Builder.keys(a, b).justLen());
    assertEquals(6, result.getLen());
    StringMatchResult ranges = lettuce.lcs(LcsArgs.Builder.keys(a, b).withIdx().minMatchLen(4));
    assertEquals(1, ranges.getMatches().size());
    assertEquals(4, ranges.getMatches().get(0).getA().getStart());
  }

  @Test
  void set_existingBehaviourThroughClients() {
    String k = key();
    assertEquals("OK", lettuce.set(k, "v"));
    assertEquals("v", jedis.get(k));
    assertTrue(lettuce.set(k, "w", io.lettuce.core.SetArgs.Builder.nx()) == null);
  }

  // ---- bitmaps (bitops.c)

  @Test
  void setbitGetbit_growAndAnswerTheOldBit() throws IOException {
    String k = key();
    assertEquals(integer(0), raw.call("SETBIT", k, "7", "1"));
    assertEquals(bulk("\u0001"), raw.call("GET", k));
    assertEquals(integer(1), raw.call("SETBIT", k, "7", "0"));
    assertEquals(integer(0), raw.call("GETBIT", k, "7"));
    assertEquals(integer(0), raw.call("GETBIT", k, "100"), "past the end");
    assertEquals(integer(0), raw.call("GETBIT", key(), "0"), "a missing key");
    assertEquals(integer(0), raw.call("SETBIT", k, "100", "1"));
    assertEquals(integer(13), raw.call("STRLEN", k));
    assertEquals(integer(1), raw.call("GETBIT", k, "100"));
    String offset = err("bit offset is not an integer or out of range");
    assertEquals(offset, raw.call("SETBIT", k, "-1", "1"));
    assertEquals(offset, raw.call("SETBIT", k, "4294967296", "1"));
    assertEquals(offset, raw.call("GETBIT", k, "x"));
    for (String loose : new String[] {"+5", "05", "-0", " 5"}) {
      assertEquals(offset, raw.call("SETBIT", k, loose, "1"), loose);
    }
    assertEquals(err("bit is not an integer or out of range"), raw.call("SETBIT", k, "1", "2"));
    assertEquals(err("wrong number of arguments for 'setbit' command"), raw.call("SETBIT", k, "1"));
    String j = key();
    assertEquals(false, jedis.setbit(j, 3, true));
    assertEquals(true, jedis.getbit(j, 3));
    assertEquals(1L, lettuce.setbit(j, 3, 0));
    assertEquals(0L, lettuce.getbit(j, 3));
  }

  @Test
  void bitfield_overflowModesHashOffsetsAndErrors() throws IOException {
    String k = key();
    assertEquals("*2\r\n:0\r\n:255\r\n", raw.call("BITFIELD", k, "SET", "u8", "0", "255",
        "GET", "u8", "0"));
    assertEquals("*3\r\n:9\r\n:255\r\n$-1\r\n", raw.call("BITFIELD", k, "INCRBY", "u8", "0",
        "10", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300", "OVERFLOW", "FAIL", "INCRBY", "u8",
        "0", "1"));
    assertEquals("*3\r\n:0\r\n:127\r\n:-128\r\n", raw.call("BITFIELD", k, "SET", "i8", "8",
        "-128", "INCRBY", "i8", "8", "-1", "OVERFLOW", "SAT", "INCRBY", "i8", "8", "-1000"));
    assertEquals("*2\r\n:0\r\n:15\r\n", raw.call("BITFIELD", k, "SET", "u4", "#5", "15",
        "GET", "u4", "#5"));
    assertEquals("*1\r\n:15\r\n", raw.call("BITFIELD_RO", k, "GET", "u8", "16"));
    assertEquals("*0\r\n", raw.call("BITFIELD", k));
    assertEquals("*1\r\n:" + 0xff800f0000000000L + "\r\n", raw.call("BITFIELD", k, "GET", "i64",
        "0"), "ff 80 0f, then zeros past the end");
    String type = "-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not"
        + " supported but i64 is.\r\n";
    assertEquals(type, raw.call("BITFIELD", k, "GET", "u64", "0"));
    assertEquals(type, raw.call("BITFIELD", k, "GET", "i65", "0"));
    assertEquals(type, raw.call("BITFIELD", k, "GET", "x8", "0"));
    assertEquals(type, raw.call("BITFIELD", k, "GET", "I8", "0"));
    assertEquals(type, raw.call("BITFIELD", k, "GET", "i08", "0"));
    assertEquals(type, raw.call("BITFIELD", k, "GET", "i+8", "0"));
    assertEquals(err("bit offset is not an integer or out of range"), raw.call("BITFIELD", k,
        "GET", "i8", "#+1"));
    assertEquals(err("Invalid OVERFLOW type specified"), raw.call("BITFIELD", k, "OVERFLOW",
        "bad"));
    assertEquals(err("syntax error"), raw.call("BITFIELD", k, "GET", "u8"));
    assertEquals(err("syntax error"), raw.call("BITFIELD", k, "FOO"));
    assertEquals(err("value is not an integer or out of range"), raw.call("BITFIELD", k, "SET",
        "u8", "0", "x"));
    assertEquals(err("bit offset is not an integer or out of range"), raw.call("BITFIELD", k,
        "GET", "u8", "#-1"));
    assertEquals(err("BITFIELD_RO only supports the GET subcommand"), raw.call("BITFIELD_RO", k,
        "SET", "u8", "0", "1"));
    String created = key();
    assertEquals("*1\r\n$-1\r\n", raw.call("BITFIELD", created, "OVERFLOW", "FAIL", "INCRBY",
        "u2", "0", "10"));
    assertEquals(integer(1), raw.call("STRLEN", created), "a write that failed still grew it");
    assertEquals(List.of(1L, 1L), jedis.bitfield(key(), "INCRBY", "u2", "100", "1", "OVERFLOW",
        "SAT", "INCRBY", "u2", "102", "1"));
    // A read far from the write: the write's bytes are one chunk, the read has its own.
    String far = key();
    assertEquals("*2\r\n:0\r\n:0\r\n", raw.call("BITFIELD", far, "GET", "u8", "0", "SET", "u8",
        "#300000", "1"));
    assertEquals(integer(300001), raw.call("STRLEN", far));
    assertEquals("*2\r\n:1\r\n:0\r\n", raw.call("BITFIELD_RO", far, "GET", "u8", "#300000",
        "GET", "u8", "0"));
  }

  @Test
  void bitcount_byteAndBitRanges() throws IOException {
    String k = key();
    raw.call("SET", k, "foobar");
    assertEquals(integer(26), raw.call("BITCOUNT", k));
    assertEquals(integer(4), raw.call("BITCOUNT", k, "0", "0"));
    assertEquals(integer(6), raw.call("BITCOUNT", k, "1", "1"));
    assertEquals(integer(6), raw.call("BITCOUNT", k, "1", "1", "byte"));
    assertEquals(integer(17), raw.call("BITCOUNT", k, "5", "30", "BIT"));
    assertEquals(integer(4), raw.call("BITCOUNT", k, "-1", "-1"));
    assertEquals(integer(1), raw.call("BITCOUNT", k, "-2", "-1", "BIT"));
    assertEquals(integer(0), raw.call("BITCOUNT", k, "-1", "-2"));
    assertEquals(integer(26), raw.call("BITCOUNT", k, "0", "1000"));
    assertEquals(integer(0), raw.call("BITCOUNT", key()));
    assertEquals(err("syntax error"), raw.call("BITCOUNT", k, "0"));
    assertEquals(integer(0), raw.call("BITCOUNT", key(), "0"), "7.0 looks the key up first");
    assertEquals(err("syntax error"), raw.call("BITCOUNT", k, "0", "1", "FOO"));
    assertEquals(err("value is not an integer or out of range"), raw.call("BITCOUNT", k, "a",
        "1"));
    assertEquals(26L, jedis.bitcount(k));
    assertEquals(16L, lettuce.bitcount(k, 0, 2));
  }

  @Test
  void bitpos_firstSetOrClearBit() throws IOException {
    String k = key();
    raw.call("SET", k, "\u00ff\u00f0\u0000");
    assertEquals(integer(12), raw.call("BITPOS", k, "0"));
    raw.call("SET", k, "\u0000\u00ff\u00f0");
    assertEquals(integer(8), raw.call("BITPOS", k, "1", "0"));
    assertEquals(integer(16), raw.call("BITPOS", k, "1", "2"));
    assertEquals(integer(16), raw.call("BITPOS", k, "1", "2", "-1", "BYTE"));
    assertEquals(integer(8), raw.call("BITPOS", k, "1", "7", "15", "BIT"));
    assertEquals(integer(20), raw.call("BITPOS", k, "0", "12", "-1", "bit"));
    assertEquals(integer(-1), raw.call("BITPOS", k, "1", "3"));
    raw.call("SET", k, "\u00ff\u00ff\u00ff");
    assertEquals(integer(24), raw.call("BITPOS", k, "0"), "the zeros after the value");
    assertEquals(integer(-1), raw.call("BITPOS", k, "0", "0", "-1"), "not with an end given");
    raw.call("SET", k, "\u0000\u0000");
    assertEquals(integer(-1), raw.call("BITPOS", k, "1"));
    String missing = key();
    assertEquals(integer(0), raw.call("BITPOS", missing, "0"));
    assertEquals(integer(-1), raw.call("BITPOS", missing, "1"));
    assertEquals(err("The bit argument must be 1 or 0."), raw.call("BITPOS", k, "2"));
    assertEquals(err("syntax error"), raw.call("BITPOS", k, "1", "0", "1", "BAR"));
    assertEquals(integer(-1), raw.call("BITPOS", missing, "1", "0", "1", "BIT", "x"));
    assertEquals(err("value is not an integer or out of range"), raw.call("BITPOS", k, "1", "x"));
    assertEquals(-1L, jedis.bitpos(k, true));
  }

  @Test
  void bitop_andOrXorNot() throws IOException {
    String a = key();
    String b = key();
    String c = key();
    String d = key();
    raw.call("SET", a, "foobar");
    raw.call("SET", b, "abcdef");
    raw.call("SET", c, "ab");
    assertEquals(integer(6), raw.call("BITOP", "AND", d, a, b));
    assertEquals(bulk("`bc`ab"), raw.call("GET", d));
    assertEquals(integer(6), raw.call("BITOP", "or", d, a, b));
    assertEquals(bulk("goofev"), raw.call("GET", d));
    assertEquals(integer(6), raw.call("BITOP", "XOR", d, a, c));
    assertEquals(bulk("\u0007\r\u006fbar"), raw.call("GET", d));
    assertEquals(integer(2), raw.call("BITOP", "NOT", d, c));
    assertEquals(bulk("\u009e\u009d"), raw.call("GET", d));
    assertEquals(integer(6), raw.call("BITOP", "AND", d, a, key()), "a missing key is zeros");
    assertEquals(bulk("\0\0\0\0\0\0"), raw.call("GET", d));
    assertEquals(integer(0), raw.call("BITOP", "OR", d, key(), key()));
    assertEquals(integer(0), raw.call("EXISTS", d), "an empty result deletes the destination");
    assertEquals(err("BITOP NOT must be called with a single source key."),
        raw.call("BITOP", "NOT", d, a, b));
    assertEquals(err("syntax error"), raw.call("BITOP", "NAND", d, a, b));
    assertEquals(6L, jedis.bitop(redis.clients.jedis.args.BitOP.OR, d, a, b));
  }
}
