package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.params.SetParams;

/**
 * The RESP suite: exact reply bytes (raw socket) and Jedis behaviour for the commands Sidecache
 * implements. Subclasses run it against Sidecache and against a real redis-server, so every
 * assertion here is also a statement about Redis 7.0.
 */
abstract class RespConformance {
  private static final AtomicInteger KEYS = new AtomicInteger();
  private RawResp raw;
  private Jedis jedis;
  private String prefix;

  /** Returns the address of the server under test. */
  abstract InetSocketAddress respAddress();

  @BeforeEach
  void connect(TestInfo info) throws IOException {
    raw = new RawResp(respAddress());
    jedis = new Jedis(respAddress().getHostString(), respAddress().getPort());
    prefix = "{" + info.getTestMethod().orElseThrow().getName() + "}:" + System.nanoTime() + ":";
  }

  @AfterEach
  void disconnect() throws IOException {
    raw.close();
    jedis.close();
  }

  private String key() {
    return prefix + KEYS.incrementAndGet();
  }

  @Test
  void ping_echo() throws IOException {
    assertEquals("+PONG\r\n", raw.call("PING"));
    assertEquals("$5\r\nhello\r\n", raw.call("PING", "hello"));
    assertEquals("$3\r\na b\r\n", raw.call("ECHO", "a b"));
    assertEquals("-ERR wrong number of arguments for 'echo' command\r\n", raw.call("ECHO"));
  }

  @Test
  void set_get_binarySafe() throws IOException {
    String k = key();
    String value = "a\r\n\u0000\u00ffb";
    assertEquals("+OK\r\n", raw.call("SET", k, value));
    assertEquals("$" + value.length() + "\r\n" + value + "\r\n", raw.call("GET", k));
    assertEquals("$-1\r\n", raw.call("GET", key()));
  }

  @Test
  void set_conditionsAndGet() throws IOException {
    String k = key();
    assertEquals("$-1\r\n", raw.call("SET", k, "a", "XX"));
    assertEquals("+OK\r\n", raw.call("SET", k, "a", "NX"));
    assertEquals("$-1\r\n", raw.call("SET", k, "b", "NX"));
    assertEquals("$1\r\na\r\n", raw.call("SET", k, "b", "GET"));
    assertEquals("$1\r\nb\r\n", raw.call("SET", k, "c", "NX", "GET"));
    assertEquals("$1\r\nb\r\n", raw.call("GET", k));
    assertEquals("+OK\r\n", raw.call("SET", k, "d", "xx", "ex", "10", "ex", "20"));
  }

  @Test
  void set_syntaxAndExpireErrors() throws IOException {
    String k = key();
    String syntax = "-ERR syntax error\r\n";
    assertEquals(syntax, raw.call("SET", k, "v", "NX", "XX"));
    assertEquals(syntax, raw.call("SET", k, "v", "EX", "1", "PX", "1"));
    assertEquals(syntax, raw.call("SET", k, "v", "KEEPTTL", "EX", "1"));
    assertEquals(syntax, raw.call("SET", k, "v", "EX"));
    assertEquals(syntax, raw.call("SET", k, "v", "FOO"));
    String invalid = "-ERR invalid expire time in 'set' command\r\n";
    assertEquals(invalid, raw.call("SET", k, "v", "EX", "0"));
    assertEquals(invalid, raw.call("SET", k, "v", "PX", "-5"));
    assertEquals(invalid, raw.call("SET", k, "v", "EX", "9223372036854775807"));
    assertEquals("-ERR value is not an integer or out of range\r\n",
        raw.call("SET", k, "v", "EX", "ten"));
    assertEquals("-ERR wrong number of arguments for 'set' command\r\n", raw.call("SET", k));
  }

  @Test
  void set_expiryAndTtl() throws IOException {
    String k = key();
    assertEquals(":-2\r\n", raw.call("TTL", k));
    assertEquals("+OK\r\n", raw.call("SET", k, "v"));
    assertEquals(":-1\r\n", raw.call("TTL", k));
    assertEquals("+OK\r\n", raw.call("SET", k, "v", "EX", "100"));
    assertEquals(":100\r\n", raw.call("TTL", k));
    assertEquals("+OK\r\n", raw.call("SET", k, "w", "KEEPTTL"));
    assertEquals(":100\r\n", raw.call("TTL", k));
    assertEquals("+OK\r\n", raw.call("SET", k, "v", "EXAT", "1"));
    assertEquals("$-1\r\n", raw.call("GET", k), "an EXAT in the past leaves no key");
    assertEquals("+OK\r\n", raw.call("SET", k, "v", "PX", "1"));
    awaitGone(k);
  }

  private void awaitGone(String k) throws IOException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (!raw.call("GET", k).equals("$-1\r\n")) {
      assertTrue(System.nanoTime() < deadline, "key " + k + " did not expire");
      Thread.onSpinWait();
    }
  }

  @Test
  void getrange_startMiddleEndPastEnd() throws IOException {
    String k = key();
    raw.call("SET", k, "Hello World");
    assertEquals("$4\r\nHell\r\n", raw.call("GETRANGE", k, "0", "3"));
    assertEquals("$5\r\no Wor\r\n", raw.call("GETRANGE", k, "4", "8"));
    assertEquals("$5\r\nWorld\r\n", raw.call("GETRANGE", k, "-5", "-1"));
    assertEquals("$3\r\nrld\r\n", raw.call("GETRANGE", k, "8", "100"));
    assertEquals("$0\r\n\r\n", raw.call("GETRANGE", k, "20", "30"));
    assertEquals("$1\r\nH\r\n", raw.call("GETRANGE", k, "0", "-100"));
    assertEquals("$0\r\n\r\n", raw.call("GETRANGE", k, "-1", "-5"));
    assertEquals("$0\r\n\r\n", raw.call("GETRANGE", key(), "0", "10"));
    assertEquals("-ERR value is not an integer or out of range\r\n",
        raw.call("GETRANGE", k, "x", "1"));
  }

  @Test
  void incr_overflowAndNotInteger() throws IOException {
    String k = key();
    assertEquals(":1\r\n", raw.call("INCR", k));
    assertEquals(":2\r\n", raw.call("INCR", k));
    String big = key();
    raw.call("SET", big, "9223372036854775807");
    assertEquals("-ERR increment or decrement would overflow\r\n", raw.call("INCR", big));
    for (String bad : List.of("abc", "01", "+1", " 1", "1.5", "")) {
      String s = key();
      raw.call("SET", s, bad);
      assertEquals("-ERR value is not an integer or out of range\r\n", raw.call("INCR", s), bad);
    }
  }

  @Test
  void append_createsAndExtends() throws IOException {
    String k = key();
    assertEquals(":5\r\n", raw.call("APPEND", k, "Hello"));
    assertEquals(":11\r\n", raw.call("APPEND", k, " World"));
    assertEquals("$11\r\nHello World\r\n", raw.call("GET", k));
  }

  @Test
  void del_exists_countRepeats() throws IOException {
    String a = key();
    String b = key();
    raw.call("SET", a, "1");
    raw.call("SET", b, "2");
    assertEquals(":3\r\n", raw.call("EXISTS", a, a, b));
    assertEquals(":2\r\n", raw.call("DEL", a, b, key()));
    assertEquals(":0\r\n", raw.call("EXISTS", a, b));
    assertEquals(":0\r\n", raw.call("DEL", a));
  }

  @Test
  void expire_optionsAndPast() throws IOException {
    String k = key();
    assertEquals(":0\r\n", raw.call("EXPIRE", k, "10"));
    raw.call("SET", k, "v");
    assertEquals(":0\r\n", raw.call("EXPIRE", k, "10", "XX"));
    assertEquals(":0\r\n", raw.call("EXPIRE", k, "10", "GT"));
    assertEquals(":1\r\n", raw.call("EXPIRE", k, "100", "NX"));
    assertEquals(":0\r\n", raw.call("EXPIRE", k, "200", "NX"));
    assertEquals(":1\r\n", raw.call("EXPIRE", k, "200", "GT"));
    assertEquals(":0\r\n", raw.call("EXPIRE", k, "300", "LT"));
    assertEquals(":1\r\n", raw.call("EXPIRE", k, "50", "XX", "LT"));
    assertEquals(":50\r\n", raw.call("TTL", k));
    assertEquals("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n",
        raw.call("EXPIRE", k, "10", "NX", "LT"));
    assertEquals("-ERR GT and LT options at the same time are not compatible\r\n",
        raw.call("EXPIRE", k, "10", "GT", "LT"));
    assertEquals("-ERR Unsupported option foo\r\n", raw.call("EXPIRE", k, "10", "foo"));
    assertEquals("-ERR invalid expire time in 'expire' command\r\n",
        raw.call("EXPIRE", k, "9223372036854775807"));
    assertEquals(":1\r\n", raw.call("EXPIRE", k, "-1"));
    assertEquals(":0\r\n", raw.call("EXISTS", k));
  }

  @Test
  void unknownCommand_andArity() throws IOException {
    assertEquals("-ERR unknown command 'nosuchcmd', with args beginning with: 'a' 'b c' \r\n",
        raw.call("nosuchcmd", "a", "b c"));
    assertEquals("-ERR wrong number of arguments for 'get' command\r\n", raw.call("GET"));
    assertEquals("-ERR wrong number of arguments for 'getrange' command\r\n",
        raw.call("GETRANGE", "k", "1"));
    assertEquals("-ERR unknown subcommand 'nosuch'. Try CLIENT HELP.\r\n",
        raw.call("CLIENT", "nosuch"));
  }

  @Test
  void inlineCommands() throws IOException {
    String k = key();
    raw.send("PING\r\nSET " + k + " \"a b\"\r\n\r\nGET " + k + "\n");
    assertEquals("+PONG\r\n", raw.reply());
    assertEquals("+OK\r\n", raw.reply());
    assertEquals("$3\r\na b\r\n", raw.reply());
  }

  @Test
  void client_nameAndId() throws IOException {
    assertEquals("$-1\r\n", raw.call("CLIENT", "GETNAME"));
    assertEquals("+OK\r\n", raw.call("CLIENT", "SETNAME", "conformance"));
    assertEquals("$11\r\nconformance\r\n", raw.call("CLIENT", "GETNAME"));
    assertEquals("-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
        raw.call("CLIENT", "SETNAME", "a b"));
    assertTrue(raw.call("CLIENT", "ID").matches(":\\d+\r\n"));
    assertTrue(raw.call("CLIENT", "INFO").contains(" name=conformance "));
  }

  @Test
  void hello_protocol2() throws IOException {
    String reply = raw.call("HELLO", "2");
    assertTrue(reply.startsWith("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"), reply);
    assertTrue(reply.contains("$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:"), reply);
    assertTrue(reply.endsWith("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
        + "$7\r\nmodules\r\n*0\r\n"), reply);
    assertEquals("-NOPROTO unsupported protocol version\r\n", raw.call("HELLO", "4"));
    assertEquals("-ERR Protocol version is not an integer or out of range\r\n",
        raw.call("HELLO", "two"));
  }

  /**
   * {@code HELLO 3} switches the connection to RESP3: maps, sets, the null and verbatim strings
   * where Redis 7.0 answers with them; {@code HELLO 2} switches back.
   */
  @Test
  void hello_protocol3_repliesWithResp3Types() throws IOException {
    String k = key();
    String hello = raw.call("HELLO", "3");
    assertTrue(hello.startsWith("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"),
        hello);
    assertTrue(hello.contains("$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:"), hello);
    assertTrue(hello.endsWith("$7\r\nmodules\r\n*0\r\n"), hello);
    assertEquals("_\r\n", raw.call("GET", k));
    raw.call("SET", k, "v");
    assertEquals("*2\r\n$1\r\nv\r\n_\r\n", raw.call("MGET", k, key()));
    assertEquals("%1\r\n$10\r\nappendonly\r\n$2\r\nno\r\n",
        raw.call("CONFIG", "GET", "appendonly"));
    String info = raw.call("COMMAND", "INFO", "get");
    assertTrue(info.startsWith("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n"
        + ":1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n"
        + "$5\r\nflags\r\n~"), info);
    assertTrue(info.endsWith("~0\r\n"), "no subcommands: an empty set, as 7.0");
    assertTrue(raw.call("COMMAND", "DOCS", "get").startsWith("%1\r\n$3\r\nget\r\n%"));
    String server = raw.call("INFO", "server");
    assertTrue(server.startsWith("=") && server.contains("\r\ntxt:# Server\r\n"), server);
    String client = raw.call("CLIENT", "INFO");
    assertTrue(client.startsWith("=") && client.contains(" resp=3"), client);
    assertEquals("%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n",
        raw.call("LCS", key(), key(), "IDX"));
    assertEquals("*1\r\n_\r\n", raw.call("BITFIELD", key(), "OVERFLOW", "FAIL", "INCRBY", "u1",
        "0", "2"));
    assertEquals("+OK\r\n", raw.call("WATCH", k));
    try (RawResp other = new RawResp(respAddress())) {
      other.call("SET", k, "changed");
    }
    raw.call("MULTI");
    raw.call("GET", k);
    assertEquals("_\r\n", raw.call("EXEC"), "an aborted EXEC is the null");
    assertTrue(raw.call("HELLO", "2").startsWith("*14\r\n"));
    assertEquals("$-1\r\n", raw.call("GET", key()));
  }

  /** Clients that speak RESP3: Jedis with RESP3, Lettuce's default handshake, redis-cli -3. */
  @Test
  void resp3Clients() throws Exception {
    String k = key();
    try (Jedis j = new Jedis(new redis.clients.jedis.HostAndPort(respAddress().getHostString(),
        respAddress().getPort()), redis.clients.jedis.DefaultJedisClientConfig.builder()
        .protocol(redis.clients.jedis.RedisProtocol.RESP3).build())) {
      assertEquals("OK", j.set(k, "v3"));
      assertEquals("v3", j.get(k));
      assertEquals(java.util.Arrays.asList("v3", null), j.mget(k, key()));
      assertEquals(java.util.Map.of("appendonly", "no"), j.configGet("appendonly"));
      assertTrue(j.info("server").contains("redis_version:"));
    }
    io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(
        io.lettuce.core.RedisURI.create(respAddress().getHostString(), respAddress().getPort()));
    try (var connection = client.connect()) {
      var sync = connection.sync();
      assertEquals("v3", sync.get(k));
      assertEquals(java.util.Map.of("appendonly", "no"), sync.configGet("appendonly"));
      assertEquals(List.of(0L), sync.bitfield(key(), io.lettuce.core.BitFieldArgs.Builder.set(
          io.lettuce.core.BitFieldArgs.unsigned(8), 0, 3)));
    } finally {
      client.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(5));
    }
    java.util.Optional<String> cli = ExternalServer.find("redis-cli");
    if (cli.isPresent()) {
      String out = io.sidecache.protocol.testing.ChildProcess.output(
          java.time.Duration.ofSeconds(30), cli.get(), "-3", "-h", "127.0.0.1", "-p",
          Integer.toString(respAddress().getPort()), "config", "get", "appendonly");
      assertEquals("appendonly no\n", out, "a map, as redis-cli -3 prints one");
    }
  }

  @Test
  void select_onlyDatabaseZeroMatters() throws IOException {
    assertEquals("+OK\r\n", raw.call("SELECT", "0"));
    assertEquals("-ERR value is not an integer or out of range\r\n", raw.call("SELECT", "x"));
  }

  @Test
  void command_infoShape() throws IOException {
    String info = raw.call("COMMAND", "INFO", "get");
    assertTrue(info.startsWith("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n"
        + ":1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n"), info);
    assertTrue(raw.call("COMMAND", "COUNT").matches(":\\d+\r\n"));
    assertTrue(raw.call("COMMAND", "DOCS", "get").startsWith("*2\r\n$3\r\nget\r\n"));
    // A subcommand by its full name, any case.
    assertTrue(raw.call("COMMAND", "INFO", "CONFIG|GET").startsWith(
        "*1\r\n*10\r\n$10\r\nconfig|get\r\n:-3\r\n"));
    assertTrue(raw.call("COMMAND", "DOCS", "config|get").startsWith(
        "*2\r\n$10\r\nconfig|get\r\n"));
  }

  @Test
  void quit_repliesOkAndCloses() throws IOException {
    raw.send(RawResp.command("QUIT"));
    assertEquals("+OK\r\n", raw.reply());
    assertTrue(raw.closedByServer());
  }

  @Test
  void protocolError_repliesAndCloses() throws IOException {
    raw.send("*1\r\n$4\r\nPING\r\n*abc\r\n");
    assertEquals("+PONG\r\n", raw.reply());
    assertEquals("-ERR Protocol error: invalid multibulk length\r\n", raw.reply());
    assertTrue(raw.closedByServer());
    try (RawResp other = new RawResp(respAddress())) {
      assertEquals("+PONG\r\n", other.call("PING"), "other clients are unaffected");
    }
  }

  @Test
  void protocolError_badBulkLength() throws IOException {
    raw.send("*1\r\n$-5\r\n");
    assertEquals("-ERR Protocol error: invalid bulk length\r\n", raw.reply());
    assertTrue(raw.closedByServer());
  }

  @Test
  void protocolError_expectedDollar() throws IOException {
    raw.send("*1\r\n:5\r\n");
    assertEquals("-ERR Protocol error: expected '$', got ':'\r\n", raw.reply());
    assertTrue(raw.closedByServer());
  }

  @Test
  void halfSentFrameThenClose_serverStaysUp() throws IOException {
    raw.send("*2\r\n$3\r\nGET\r\n$100\r\nabc");
    raw.close();
    try (RawResp other = new RawResp(respAddress())) {
      assertEquals("+PONG\r\n", other.call("PING"));
    }
  }

  @Test
  void jedis_basicCommands() {
    String k = key();
    assertEquals("OK", jedis.set(k, "hello"));
    assertEquals("hello", jedis.get(k));
    assertEquals("ell", jedis.getrange(k, 1, 3));
    assertEquals("OK", jedis.set(k, "1", SetParams.setParams().ex(100)));
    assertEquals(100, jedis.ttl(k));
    assertEquals(2, jedis.incr(k));
    assertEquals(2, jedis.append(k, "0"));
    assertEquals("20", jedis.get(k));
    assertEquals(1, jedis.del(k));
    assertEquals("PONG", jedis.ping());
  }

  @Test
  void jedis_thousandPipelinedCommandsInOrder() {
    String k = key();
    Pipeline p = jedis.pipelined();
    Response<?>[] responses = new Response<?>[1000];
    for (int i = 0; i < 1000; i++) {
      responses[i] = switch (i % 4) {
        case 0 -> p.set(k + i, "v" + i);
        case 1 -> p.get(k + (i - 1));
        case 2 -> p.incr(k);
        default -> p.getrange(k + (i - 3), 0, 0);
      };
    }
    p.sync();
    for (int i = 0; i < 1000; i++) {
      Object expected = switch (i % 4) {
        case 0 -> "OK";
        case 1 -> "v" + (i - 1);
        case 2 -> (long) (i / 4 + 1);
        default -> "v";
      };
      assertEquals(expected, responses[i].get(), "reply " + i);
    }
  }

  @Test
  void auth_withoutConfiguredPassword() throws IOException {
    assertEquals("-ERR AUTH <password> called without any password configured for the default"
        + " user. Are you sure your configuration is correct?\r\n", raw.call("AUTH", "x"));
    assertEquals("+OK\r\n", raw.call("AUTH", "default", "anything"), "nopass accepts any");
    assertEquals("-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        raw.call("AUTH", "someone", "x"));
    assertEquals("-ERR syntax error\r\n", raw.call("AUTH", "a", "b", "c"));
  }
}
