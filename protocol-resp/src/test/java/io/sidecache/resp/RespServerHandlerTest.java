package io.sidecache.resp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sidecache.store.CacheStore;
import io.sidecache.store.CounterOptions;
import io.sidecache.store.CounterResult;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.FetchResult;
import io.sidecache.store.Key;
import io.sidecache.store.ScanPage;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.StoreStats;
import io.sidecache.store.ValueSlice;
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
  void hello_resp2Only() {
    String reply = send("HELLO 2 SETNAME app\r\n");
    assertTrue(reply.startsWith("*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n"), reply);
    assertTrue(reply.contains("$5\r\nproto\r\n:2\r\n"), reply);
    assertEquals("$3\r\napp\r\n", send("CLIENT GETNAME\r\n"));
    assertEquals("-NOPROTO unsupported protocol version\r\n", send("HELLO 3\r\n"));
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

  /** Delegates to a real store, but GET completes only when the test says so. */
  private record DelayedGetStore(CacheStore delegate, CompletableFuture<Entry> pending)
      implements CacheStore {
    @Override
    public CompletionStage<Entry> get(Key key) {
      return pending;
    }

    @Override
    public CompletionStage<ValueSlice> getRange(Key key, long start, long end) {
      return delegate.getRange(key, start, end);
    }

    @Override
    public CompletionStage<SetResult> set(Key key, byte[] value, SetOptions options) {
      return delegate.set(key, value, options);
    }

    @Override
    public CompletionStage<Boolean> delete(Key key) {
      return delegate.delete(key);
    }

    @Override
    public CompletionStage<Boolean> exists(Key key) {
      return delegate.exists(key);
    }

    @Override
    public CompletionStage<Long> incrementBy(Key key, long delta) {
      return delegate.incrementBy(key, delta);
    }

    @Override
    public CompletionStage<Long> incrementUnsigned(Key key, long delta, boolean decrement) {
      return delegate.incrementUnsigned(key, delta, decrement);
    }

    @Override
    public CompletionStage<Long> append(Key key, byte[] suffix, boolean createIfAbsent) {
      return delegate.append(key, suffix, createIfAbsent);
    }

    @Override
    public CompletionStage<Long> prepend(Key key, byte[] prefix) {
      return delegate.prepend(key, prefix);
    }

    @Override
    public CompletionStage<Boolean> expire(Key key, long expiresAt, ExpireCondition condition) {
      return delegate.expire(key, expiresAt, condition);
    }

    @Override
    public CompletionStage<Long> ttl(Key key) {
      return delegate.ttl(key);
    }

    @Override
    public CompletionStage<Void> flush() {
      return delegate.flush();
    }

    @Override
    public CompletionStage<FetchResult> fetch(Key key, FetchOptions options) {
      return delegate.fetch(key, options);
    }

    @Override
    public CompletionStage<SetResult.Outcome> delete(Key key, DeleteOptions options) {
      return delegate.delete(key, options);
    }

    @Override
    public CompletionStage<CounterResult> incrementUnsigned(
        Key key, long delta, boolean decrement, CounterOptions options) {
      return delegate.incrementUnsigned(key, delta, decrement, options);
    }

    @Override
    public CompletionStage<Entry> getAndTouch(Key key, long expiresAt) {
      return delegate.getAndTouch(key, expiresAt);
    }

    @Override
    public CompletionStage<Entry> getAndDelete(Key key) {
      return delegate.getAndDelete(key);
    }

    @Override
    public CompletionStage<Long> setRange(Key key, long offset, byte[] bytes) {
      return delegate.setRange(key, offset, bytes);
    }

    @Override
    public CompletionStage<byte[]> incrementByFloat(Key key, byte[] increment) {
      return delegate.incrementByFloat(key, increment);
    }

    @Override
    public CompletionStage<SetResult.Outcome> rename(Key from, Key to, boolean onlyIfAbsent) {
      return delegate.rename(from, to, onlyIfAbsent);
    }

    @Override
    public CompletionStage<SetResult.Outcome> copy(Key from, Key to, boolean replace) {
      return delegate.copy(from, to, replace);
    }

    @Override
    public CompletionStage<ScanPage> scan(long cursor, int count) {
      return delegate.scan(cursor, count);
    }

    @Override
    public CompletionStage<Key> randomKey() {
      return delegate.randomKey();
    }

    @Override
    public CompletionStage<Long> size() {
      return delegate.size();
    }

    @Override
    public StoreStats stats() {
      return delegate.stats();
    }
  }
}
