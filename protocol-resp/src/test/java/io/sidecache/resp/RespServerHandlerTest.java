package io.sidecache.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.ForwardingCacheStore;
import io.sidecache.store.Key;
import io.sidecache.store.memory.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RespServerHandlerTest {
  private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  private CacheStore store;
  private EmbeddedChannel channel;

  @BeforeEach
  void setUp() {
    store = MemoryStore.builder().maximumBytes(1 << 20).ticker(now::get)
        .executor(Runnable::run).build();
    channel = open(store);
  }

  private EmbeddedChannel open(CacheStore s) {
    RespServerContext context =
        new RespServerContext(s, now::get, RespLimits.DEFAULT, RespCommands.standard());
    return new EmbeddedChannel(new RespDecoder(context.limits()), new RespServerHandler(context));
  }

  @AfterEach
  void tearDown() {
    channel.finishAndReleaseAll();
  }

  /** Sends inline commands and returns everything the server wrote back. */
  private String send(String input) {
    return send(channel, input);
  }

  private static String send(EmbeddedChannel ch, String input) {
    ch.writeInbound(Unpooled.copiedBuffer(input, StandardCharsets.ISO_8859_1));
    return drain(ch);
  }

  private static String drain(EmbeddedChannel ch) {
    StringBuilder sb = new StringBuilder();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      sb.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return sb.toString();
  }

  @Test
  void ping_echo() {
    assertEquals("+PONG\r\n$2\r\nhi\r\n$3\r\nabc\r\n", send("PING\r\nPING hi\r\nECHO abc\r\n"));
    assertEquals("-ERR wrong number of arguments for 'ping' command\r\n", send("PING a b\r\n"));
  }

  @Test
  void set_get() {
    assertEquals("+OK\r\n$5\r\nhello\r\n$-1\r\n", send("SET k hello\r\nGET k\r\nGET missing\r\n"));
  }

  @Test
  void set_nxXxGet() {
    assertEquals("$-1\r\n+OK\r\n$-1\r\n$1\r\na\r\n$1\r\nb\r\n",
        send("SET k a XX\r\nSET k a NX\r\nSET k b NX\r\nSET k b GET\r\nGET k\r\n"));
    assertEquals("-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n",
        send("SET k v NX XX\r\nSET k v EX 1 PX 1\r\nSET k v KEEPTTL EX 1\r\n"));
  }

  @Test
  void set_expiry() {
    assertEquals("+OK\r\n:10\r\n", send("SET k v EX 10\r\nTTL k\r\n"));
    now.addAndGet(9_600);
    assertEquals(":0\r\n", send("TTL k\r\n"));
    now.addAndGet(400);
    assertEquals("$-1\r\n:-2\r\n", send("GET k\r\nTTL k\r\n"));
  }

  @Test
  void set_keepTtlKeepsExpiry() {
    assertEquals("+OK\r\n+OK\r\n:2\r\n", send("SET k v PX 1500\r\nSET k w KEEPTTL\r\nTTL k\r\n"));
    assertEquals("+OK\r\n:-1\r\n", send("SET k x\r\nTTL k\r\n"));
  }

  @Test
  void set_invalidExpireTimes() {
    String invalid = "-ERR invalid expire time in 'set' command\r\n";
    assertEquals(invalid + invalid + invalid + "-ERR value is not an integer or out of range\r\n",
        send("SET k v EX 0\r\nSET k v PX -1\r\nSET k v EX 9223372036854775807\r\nSET k v EX 1.5\r\n"));
    assertEquals("+OK\r\n$-1\r\n", send("SET k v EXAT 1\r\nGET k\r\n"));
  }

  @Test
  void getrange_edges() {
    send("SET k hello\r\n");
    assertEquals("$4\r\nhell\r\n$1\r\no\r\n$1\r\nh\r\n$0\r\n\r\n$0\r\n\r\n$5\r\nhello\r\n$0\r\n\r\n",
        send("GETRANGE k 0 3\r\nGETRANGE k -1 -1\r\nGETRANGE k 0 -100\r\nGETRANGE k -1 -5\r\n"
            + "GETRANGE k 10 20\r\nGETRANGE k -100 100\r\nGETRANGE missing 0 1\r\n"));
    assertEquals("-ERR value is not an integer or out of range\r\n", send("GETRANGE k a 1\r\n"));
  }

  @Test
  void incr_errors() {
    assertEquals(":1\r\n:2\r\n", send("INCR n\r\nINCR n\r\n"));
    send("SET s abc\r\nSET big 9223372036854775807\r\nSET z 01\r\n");
    assertEquals("-ERR value is not an integer or out of range\r\n"
            + "-ERR increment or decrement would overflow\r\n"
            + "-ERR value is not an integer or out of range\r\n",
        send("INCR s\r\nINCR big\r\nINCR z\r\n"));
  }

  @Test
  void append_createsAndExtends() {
    assertEquals(":2\r\n:4\r\n$4\r\nhiyo\r\n", send("APPEND a hi\r\nAPPEND a yo\r\nGET a\r\n"));
  }

  @Test
  void del_countsEachRemovedKeyOnce() {
    send("SET a 1\r\nSET b 2\r\n");
    assertEquals(":3\r\n:2\r\n:0\r\n", send("EXISTS a a b\r\nDEL a a b c\r\nEXISTS a b\r\n"));
  }

  @Test
  void expire_ttl() {
    assertEquals(":0\r\n", send("EXPIRE missing 10\r\n"));
    send("SET k v\r\n");
    assertEquals(":-1\r\n:1\r\n:100\r\n", send("TTL k\r\nEXPIRE k 100\r\nTTL k\r\n"));
    assertEquals(":0\r\n:1\r\n:0\r\n:1\r\n:50\r\n",
        send("EXPIRE k 10 NX\r\nEXPIRE k 200 GT\r\nEXPIRE k 150 GT\r\nEXPIRE k 50 LT\r\nTTL k\r\n"));
    assertEquals("-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
            + "-ERR GT and LT options at the same time are not compatible\r\n"
            + "-ERR Unsupported option FOO\r\n",
        send("EXPIRE k 10 NX XX\r\nEXPIRE k 10 GT LT\r\nEXPIRE k 10 FOO\r\n"));
    assertEquals(":1\r\n:0\r\n", send("EXPIRE k -1\r\nEXISTS k\r\n"));
  }

  @Test
  void unknownCommand_redisText() {
    assertEquals("-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n",
        send("foo a b\r\n"));
    assertEquals("-ERR unknown command 'nope', with args beginning with: \r\n", send("nope\r\n"));
  }

  @Test
  void wrongArity_redisText() {
    assertEquals("-ERR wrong number of arguments for 'get' command\r\n", send("GET\r\n"));
    assertEquals("-ERR wrong number of arguments for 'client|setname' command\r\n",
        send("CLIENT SETNAME\r\n"));
    assertEquals("-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n", send("CLIENT foo\r\n"));
  }

  @Test
  void commandNames_caseInsensitive() {
    assertEquals("+OK\r\n$1\r\nv\r\n", send("sEt k v\r\ngeT k\r\n"));
  }

  @Test
  void hello_switchesBetweenResp2AndResp3() {
    String reply = send("HELLO 2 SETNAME app\r\n");
    assertTrue(reply.startsWith("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), reply);
    assertTrue(reply.contains("$5\r\nproto\r\n:2\r\n"), reply);
    assertEquals("$3\r\napp\r\n", send("CLIENT GETNAME\r\n"));
    assertTrue(send("HELLO 3\r\n").startsWith("%7\r\n"));
    assertEquals("_\r\n", send("GET missing\r\n"));
    assertTrue(send("HELLO\r\n").contains("$5\r\nproto\r\n:3\r\n"), "no version: kept");
    assertTrue(send("HELLO 2\r\n").startsWith("*14\r\n"));
    assertEquals("$-1\r\n", send("GET missing\r\n"));
    assertEquals("-NOPROTO unsupported protocol version\r\n", send("HELLO 4\r\n"));
    assertEquals("-ERR Protocol version is not an integer or out of range\r\n", send("HELLO x\r\n"));
    assertEquals("-ERR Syntax error in HELLO option 'foo'\r\n", send("HELLO 2 foo\r\n"));
  }

  @Test
  void client_setInfoAndName() {
    assertEquals("+OK\r\n+OK\r\n$-1\r\n",
        send("CLIENT SETINFO LIB-NAME jedis\r\nCLIENT SETINFO lib-ver 7.0\r\nCLIENT GETNAME\r\n"));
    assertEquals("-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
        send("CLIENT SETNAME \"a b\"\r\n"));
    assertTrue(send("CLIENT INFO\r\n").contains("lib-name=jedis lib-ver=7.0\n"));
  }

  @Test
  void command_fromTable() {
    int count = RespCommands.standard().all().size();
    assertEquals(":" + count + "\r\n", send("COMMAND COUNT\r\n"));
    String info = send("COMMAND INFO get nosuch\r\n");
    assertTrue(info.startsWith("*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"), info);
    assertTrue(info.endsWith("$-1\r\n"), info);
    assertTrue(send("COMMAND DOCS get\r\n").startsWith("*2\r\n$3\r\nget\r\n*6\r\n$7\r\nsummary\r\n"));
    assertTrue(send("COMMAND\r\n").startsWith("*" + count + "\r\n"));
  }

  @Test
  void select_onlyZero() {
    assertEquals("+OK\r\n-ERR DB index is out of range\r\n", send("SELECT 0\r\nSELECT 1\r\n"));
  }

  @Test
  void quit_closesAfterReply() {
    assertEquals("+OK\r\n", send("QUIT\r\nPING\r\n"));
    assertFalse(channel.isActive());
  }

  @Test
  void protocolError_repliesAndCloses() {
    assertEquals("+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n",
        send("PING\r\n*x\r\nPING\r\n"));
    assertFalse(channel.isActive());
  }

  @Test
  void pipeline_asyncStageKeepsOrder() {
    CompletableFuture<Entry> pending = new CompletableFuture<>();
    EmbeddedChannel ch = open(new DelayedGetStore(store, pending));
    try {
      assertEquals("", send(ch, "GET k\r\nPING\r\nECHO x\r\n"));
      assertFalse(ch.config().isAutoRead(), "reading pauses while a stage is pending");
      pending.complete(new Entry("late".getBytes(StandardCharsets.US_ASCII), 0, 1, 0));
      ch.runPendingTasks();
      assertEquals("$4\r\nlate\r\n+PONG\r\n$1\r\nx\r\n", drain(ch));
      assertTrue(ch.config().isAutoRead());
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void setnx_setex_psetex() {
    assertEquals(":1\r\n:0\r\n$1\r\na\r\n", send("SETNX k a\r\nSETNX k b\r\nGET k\r\n"));
    assertEquals("+OK\r\n:10\r\n+OK\r\n:1500\r\n",
        send("SETEX e 10 v\r\nTTL e\r\nPSETEX p 1500 v\r\nPTTL p\r\n"));
    assertEquals("-ERR invalid expire time in 'setex' command\r\n"
            + "-ERR invalid expire time in 'psetex' command\r\n"
            + "-ERR value is not an integer or out of range\r\n",
        send("SETEX e 0 v\r\nPSETEX p -1 v\r\nSETEX e x v\r\n"));
  }

  @Test
  void getset_getdel_dropExpiry() {
    send("SET k a EX 100\r\n");
    assertEquals("$1\r\na\r\n:-1\r\n$-1\r\n", send("GETSET k b\r\nTTL k\r\nGETSET n x\r\n"));
    assertEquals("$1\r\nb\r\n$-1\r\n:0\r\n", send("GETDEL k\r\nGETDEL k\r\nEXISTS k\r\n"));
  }

  @Test
  void getex_optionsAndOrder() {
    send("SET k v\r\n");
    assertEquals("$1\r\nv\r\n:100\r\n$1\r\nv\r\n:-1\r\n",
        send("GETEX k EX 100\r\nTTL k\r\nGETEX k PERSIST\r\nTTL k\r\n"));
    assertEquals("-ERR syntax error\r\n-ERR syntax error\r\n-ERR syntax error\r\n",
        send("GETEX k KEEPTTL\r\nGETEX k PERSIST EX 1\r\nGETEX k EX 1 PX 1\r\n"));
    assertEquals("$-1\r\n-ERR value is not an integer or out of range\r\n"
            + "-ERR invalid expire time in 'getex' command\r\n",
        send("GETEX missing EX abc\r\nGETEX k EX abc\r\nGETEX k PX 0\r\n"));
    assertEquals("$1\r\nv\r\n:0\r\n", send("GETEX k PXAT 1\r\nEXISTS k\r\n"));
  }

  @Test
  void mget_mset_msetnx() {
    assertEquals("+OK\r\n*3\r\n$1\r\n1\r\n$-1\r\n$1\r\n2\r\n",
        send("MSET a 1 b 2\r\nMGET a x b\r\n"));
    assertEquals("-ERR wrong number of arguments for 'mset' command\r\n"
            + "-ERR wrong number of arguments for 'msetnx' command\r\n",
        send("MSET a 1 b\r\nMSETNX a 1 b\r\n"));
    assertEquals(":0\r\n$-1\r\n:1\r\n$1\r\n4\r\n",
        send("MSETNX c 3 a 9\r\nGET c\r\nMSETNX c 3 d 4\r\nGET d\r\n"));
  }

  @Test
  void strlen_substr_setrange() {
    assertEquals(":0\r\n:5\r\n$3\r\nell\r\n", send("STRLEN k\r\nSETRANGE k 0 hello\r\nSUBSTR k 1 3\r\n"));
    assertEquals(":7\r\n$7\r\nhello\u0000X\r\n", send("SETRANGE k 6 X\r\nGET k\r\n"));
    assertEquals("-ERR offset is out of range\r\n"
            + "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n:0\r\n:7\r\n",
        send("SETRANGE k -1 x\r\nSETRANGE k 536870911 ab\r\nSETRANGE n 536870912 \"\"\r\n"
            + "SETRANGE k 999999999999 \"\"\r\n"));
    assertEquals(":0\r\n", send("EXISTS n\r\n"));
  }

  @Test
  void incrDecrFamily_errors() {
    assertEquals(":-1\r\n:9\r\n:4\r\n", send("DECR n\r\nINCRBY n 10\r\nDECRBY n 5\r\n"));
    assertEquals("-ERR decrement would overflow\r\n"
            + "-ERR value is not an integer or out of range\r\n",
        send("DECRBY n -9223372036854775808\r\nINCRBY n 1.5\r\n"));
    send("SET m -9223372036854775808\r\n");
    assertEquals("-ERR increment or decrement would overflow\r\n", send("DECR m\r\n"));
  }

  @Test
  void incrbyfloat_x87() {
    send("SET k 123456.7\r\n");
    assertEquals("$24\r\n123456.70000000000000284\r\n$2\r\n17\r\n",
        send("INCRBYFLOAT k 0\r\nINCRBYFLOAT n 0x11\r\n"));
    assertEquals("-ERR value is not a valid float\r\n"
            + "-ERR increment would produce NaN or Infinity\r\n",
        send("INCRBYFLOAT k 1f\r\nINCRBYFLOAT k inf\r\n"));
  }

  @Test
  void lcs_options() {
    send("MSET a ohmytext b mynewtext\r\n");
    assertEquals("$6\r\nmytext\r\n:6\r\n", send("LCS a b\r\nLCS a b LEN\r\n"));
    assertEquals("*4\r\n$7\r\nmatches\r\n*2\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
            + "*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n$3\r\nlen\r\n:6\r\n",
        send("LCS a b IDX WITHMATCHLEN\r\n"));
    assertEquals("*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
            + "$3\r\nlen\r\n:6\r\n", send("LCS a b IDX MINMATCHLEN 3\r\n"));
    assertEquals("-ERR If you want both the length and indexes, please just use IDX.\r\n"
            + "-ERR syntax error\r\n$0\r\n\r\n",
        send("LCS a b IDX LEN\r\nLCS a b FOO\r\nLCS x y\r\n"));
  }

  @Test
  void keyspace_typeTouchUnlinkDbsizeFlush() {
    send("MSET a 1 b 2\r\n");
    assertEquals("+string\r\n+none\r\n:3\r\n:2\r\n", send("TYPE a\r\nTYPE x\r\nTOUCH a a b\r\nDBSIZE\r\n"));
    assertEquals(":1\r\n-ERR syntax error\r\n+OK\r\n:0\r\n",
        send("UNLINK a x\r\nFLUSHDB FOO\r\nFLUSHALL ASYNC\r\nDBSIZE\r\n"));
    assertEquals("$-1\r\n+OK\r\n$1\r\nc\r\n", send("RANDOMKEY\r\nSET c 1\r\nRANDOMKEY\r\n"));
  }

  @Test
  void expireFamily_ttlFamily() {
    send("SET k v\r\n");
    long now = this.now.get();
    assertEquals(":1\r\n:1500\r\n:" + (now + 1500) + "\r\n:" + (now + 2000) / 1000 + "\r\n",
        send("PEXPIRE k 1500\r\nPTTL k\r\nPEXPIRETIME k\r\nEXPIRETIME k\r\n"));
    assertEquals(":1\r\n:" + (now / 1000 + 100) + "\r\n:1\r\n:-1\r\n:0\r\n",
        send("EXPIREAT k " + (now / 1000 + 100) + "\r\nEXPIRETIME k\r\nPERSIST k\r\n"
            + "EXPIRETIME k\r\nPERSIST k\r\n"));
    assertEquals(":-2\r\n:-2\r\n-ERR invalid expire time in 'expireat' command\r\n"
            + "-ERR invalid expire time in 'pexpire' command\r\n",
        send("PTTL x\r\nPEXPIRETIME x\r\nEXPIREAT k 9223372036854775807\r\n"
            + "PEXPIRE k 9223372036854775807\r\n"));
    assertEquals(":1\r\n:0\r\n", send("PEXPIREAT k 1\r\nEXISTS k\r\n"));
  }

  @Test
  void rename_renamenx_copy() {
    send("SET a 1 EX 100\r\n");
    assertEquals("-ERR no such key\r\n-ERR no such key\r\n+OK\r\n:100\r\n",
        send("RENAME x y\r\nRENAMENX x y\r\nRENAME a b\r\nTTL b\r\n"));
    send("SET c 2\r\n");
    assertEquals(":0\r\n:1\r\n+OK\r\n:0\r\n",
        send("RENAMENX b c\r\nRENAMENX b d\r\nRENAME d d\r\nRENAMENX d d\r\n"));
    assertEquals(":1\r\n:0\r\n:1\r\n$1\r\n1\r\n:0\r\n",
        send("COPY d e\r\nCOPY d c\r\nCOPY d c REPLACE\r\nGET c\r\nCOPY x y\r\n"));
    assertEquals("-ERR source and destination objects are the same\r\n"
            + "-ERR value is not an integer or out of range\r\n"
            + "-ERR DB index is out of range\r\n-ERR syntax error\r\n:1\r\n",
        send("COPY d d\r\nCOPY d d DB x\r\nCOPY d f DB 1\r\nCOPY d f FOO\r\nCOPY d f DB 0\r\n"));
  }

  @Test
  void keys_andScan() {
    send("MSET hello 1 hallo 2 hxllo 3 world 4\r\n");
    String keys = send("KEYS h[ae]llo\r\n");
    assertTrue(keys.startsWith("*2\r\n") && keys.contains("hello") && keys.contains("hallo"), keys);
    assertEquals("*4\r\n", send("KEYS *\r\n").substring(0, 4));
    assertEquals("*0\r\n", send("KEYS nothing*\r\n"));
    StringBuilder seen = new StringBuilder();
    String cursor = "0";
    do {
      String page = send("SCAN " + cursor + " COUNT 1 MATCH h*\r\n");
      String[] lines = page.split("\r\n");
      cursor = lines[2];
      seen.append(page);
    } while (!cursor.equals("0"));
    assertTrue(seen.indexOf("hello") > 0 && seen.indexOf("hxllo") > 0 && seen.indexOf("world") < 0);
    assertEquals("*2\r\n$1\r\n0\r\n*0\r\n", send("SCAN 0 TYPE hash COUNT 100\r\n"));
    assertEquals("-ERR invalid cursor\r\n-ERR invalid cursor\r\n-ERR syntax error\r\n"
            + "-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n",
        send("SCAN 1x\r\nSCAN 18446744073709551616\r\nSCAN 0 COUNT 0\r\nSCAN 0 FOO\r\n"
            + "SCAN 0 COUNT x\r\n"));
  }

  @Test
  void keys_asyncPagesCollectEveryKey() {
    send("MSET a 1 b 2 c 3 d 4 e 5\r\n");
    EmbeddedChannel ch = open(new DelayedGetStore(store, new CompletableFuture<>()));
    try {
      String reply = send(ch, "KEYS *\r\nPING\r\n");
      ch.runPendingTasks();
      reply += drain(ch);
      assertTrue(reply.startsWith("*5\r\n") && reply.endsWith("+PONG\r\n"), reply);
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void object_subcommands() {
    send("MSET i 100 big 12345678 s abc\r\n");
    send("SET r " + "x".repeat(45) + "\r\n");
    assertEquals("$3\r\nint\r\n$6\r\nembstr\r\n$3\r\nraw\r\n$-1\r\n",
        send("OBJECT ENCODING i\r\nOBJECT ENCODING s\r\nOBJECT ENCODING r\r\nOBJECT ENCODING x\r\n"));
    assertEquals(":2147483647\r\n:1\r\n:1\r\n$-1\r\n",
        send("OBJECT REFCOUNT i\r\nOBJECT REFCOUNT big\r\nOBJECT REFCOUNT s\r\nOBJECT REFCOUNT x\r\n"));
    assertTrue(send("OBJECT FREQ i\r\n").startsWith("-ERR An LFU maxmemory policy is not selected"));
    assertEquals(":0\r\n$-1\r\n-ERR wrong number of arguments for 'object|encoding' command\r\n",
        send("OBJECT IDLETIME i\r\nOBJECT IDLETIME x\r\nOBJECT ENCODING\r\n"));
    assertTrue(send("OBJECT HELP\r\n").startsWith("*15\r\n+OBJECT <subcommand>"));
  }

  @Test
  void largeReply_writabilityRegainedDuringItsWriteSendsItOnce() {
    // The reply is handed to the channel mid-batch; writing it drains the outbound buffer below
    // the low water mark, and the writability event that fires inside that write must neither
    // hand the same buffer over again nor run later requests inside the running one.
    channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(8, 16));
    String value = "v".repeat(RespReply.FLUSH_THRESHOLD + 1000);
    String bulk = "$" + value.length() + "\r\n" + value + "\r\n";
    assertEquals("+OK\r\n", send("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n" + bulk));
    assertEquals(bulk + bulk + "+PONG\r\n", send("GET big\r\nGET big\r\nPING\r\n"));
    assertTrue(channel.isOpen());
  }

  /** A store that keeps values longer than 16 bytes as chunks. */
  private CacheStore chunkedStore() {
    return io.sidecache.store.chunk.ChunkedStore.overMemory(MemoryStore.builder()
        .maximumBytes(1 << 20).ticker(now::get).executor(Runnable::run), 1 << 20, 16, now::get,
        null);
  }

  /**
   * BITCOUNT and BITPOS resolve their range on the value they looked up; when the key changes
   * before its chunks are read (the store then reads the new value), they start over on the new
   * one instead of applying the old range to the new bytes.
   */
  @Test
  void bitcountAndBitposStartOverWhenTheValueChangesBeforeItsChunksAreRead() {
    CacheStore chunked = chunkedStore();
    byte[] old = new byte[64];
    java.util.Arrays.fill(old, (byte) 0xff);
    byte[] changed = new byte[40];
    java.util.Arrays.fill(changed, (byte) 0x03);
    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    CacheStore racing = new ForwardingCacheStore(chunked) {
      @Override
      public CompletionStage<io.sidecache.store.ValueReader> read(Key key, Entry entry,
          long start, long end) {
        if (reads.getAndIncrement() % 2 == 0) { // a writer gets in between, once per command
          set(key, reads.get() < 2 ? changed : old, io.sidecache.store.SetOptions.DEFAULT);
        }
        return super.read(key, entry, start, end);
      }
    };
    chunked.set(Key.of("k"), old, io.sidecache.store.SetOptions.DEFAULT);
    EmbeddedChannel ch = open(racing);
    try {
      // The last 8 bytes: of the 40-byte value, 16 bits; the old range (bytes 56..63) would
      // have found none of its bytes.
      assertEquals(":16\r\n", send(ch, "BITCOUNT k -8 -1\r\n"));
      // From 40 bytes of 0x03 (first clear bit: 0) to 64 bytes of 0xff before the scan: no
      // clear bit in them, so the first is the one after them.
      chunked.set(Key.of("k"), changed, io.sidecache.store.SetOptions.DEFAULT);
      assertEquals(":512\r\n", send(ch, "BITPOS k 0\r\n"));
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  /** A value that loses a chunk while BITCOUNT reads it counts as missing, as GET would miss. */
  @Test
  void bitcountOfAValueThatLosesAChunkMidwayIsZero() {
    CacheStore chunked = chunkedStore();
    byte[] ones = new byte[64];
    java.util.Arrays.fill(ones, (byte) 0xff); // a partial count would be 128, not 0
    chunked.set(Key.of("k"), ones, io.sidecache.store.SetOptions.DEFAULT);
    CacheStore losing = new ForwardingCacheStore(chunked) {
      @Override
      public CompletionStage<io.sidecache.store.ValueReader> read(Key key, Entry entry,
          long start, long end) {
        return super.read(key, entry, start, end).thenApply(r -> new io.sidecache.store
            .ValueReader() {
          private int pieces;

          @Override
          public Entry entry() {
            return r.entry();
          }

          @Override
          public long offset() {
            return r.offset();
          }

          @Override
          public long length() {
            return r.length();
          }

          @Override
          public CompletionStage<java.nio.ByteBuffer> next() {
            return pieces++ == 0 ? r.next() : CompletableFuture.failedFuture(
                new io.sidecache.store.ChunkLostException("chunk 1 of a value lost"));
          }

          @Override
          public void close() {
            r.close();
          }
        });
      }
    };
    EmbeddedChannel ch = open(losing);
    try {
      assertEquals(":0\r\n", send(ch, "BITCOUNT k\r\n"));
      assertTrue(ch.isOpen());
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  /** Delegates to a real store, but GET completes only when the test says so. */
  private static final class DelayedGetStore extends ForwardingCacheStore {
    private final CompletableFuture<Entry> pending;

    DelayedGetStore(CacheStore delegate, CompletableFuture<Entry> pending) {
      super(delegate);
      this.pending = pending;
    }

    @Override
    public CompletionStage<Entry> get(Key key) {
      return pending;
    }
  }
}
