package io.sidecache.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.store.SetResult.Outcome;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link CacheStore} keeps, whatever is behind it (Caffeine's {@code CacheTest}
 * over many configurations; Jedis's unified suites): Redis 7 and memcached 1.6 semantics of each
 * operation, with time from a fake ticker. Subclasses supply the store: the memory tier, the
 * tiered store with a memory tier so small that nearly every key lives on disk, a store whose
 * stages complete later on another thread. Stages are awaited, never assumed complete.
 */
public abstract class CacheStoreContract {
  /** The clock of the store under test, in milliseconds since the epoch. */
  protected final AtomicLong now = new AtomicLong(1_700_000_000_000L);
  private CacheStore store;
  private final Key k = Key.of("k");

  /**
   * Creates the store under test.
   *
   * @param ticker the clock the store must use
   * @return a new, empty store
   * @throws Exception if it cannot be created
   */
  protected abstract CacheStore newStore(Ticker ticker) throws Exception;

  /**
   * Whether {@link CacheStore#stats()} counts exactly the keys written through this store; a
   * cluster router's counts are its own node's, not the cluster's.
   */
  protected boolean statsCountItsKeys() {
    return true;
  }

  @BeforeEach
  void createStore() throws Exception {
    store = newStore(now::get);
  }

  @AfterEach
  void closeStore() throws Exception {
    if (store instanceof AutoCloseable c) {
      c.close();
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> T done(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("stage did not complete", e);
    }
  }

  private static Throwable failure(CompletionStage<?> stage) {
    CompletionException e = assertThrows(CompletionException.class, () -> done(stage));
    return e.getCause();
  }

  private String value(Key key) {
    Entry e = done(store.get(key));
    return e == null ? null : new String(bytes(key, e), StandardCharsets.UTF_8);
  }

  /** The value of an entry the store returned for {@code key}, read as a protocol reads it. */
  private byte[] bytes(Key key, Entry e) {
    return done(store.read(key, e, 0, -1).thenCompose(ValueStreams::collect));
  }

  @Test
  void get_absent() {
    assertNull(done(store.get(k)));
    assertFalse(done(store.exists(k)));
  }

  @Test
  void set_storesValueFlagsAndFreshCas() {
    SetResult first = done(store.set(k, b("v1"), SetOptions.builder().flags(42).build()));
    SetResult second = done(store.set(k, b("v2"), SetOptions.DEFAULT));
    assertEquals(Outcome.STORED, first.outcome());
    assertEquals(42, first.current().flags());
    assertNotEquals(first.current().cas(), second.current().cas());
    assertEquals("v2", value(k));
    assertEquals(0, done(store.get(k)).flags());
  }

  @Test
  void set_version_keepsTheGivenCasAndLaterWritesGetGreaterOnes() {
    SetResult first = done(store.set(k, b("v5"), SetOptions.builder().version(5_000).flags(7)
        .build()));
    assertEquals(Outcome.STORED, first.outcome());
    assertEquals(5_000, done(store.get(k)).cas());
    assertEquals(7, done(store.get(k)).flags());
    // Unconditional: a replica applies its owner's states in the order they come.
    assertTrue(done(store.set(k, b("v4"), SetOptions.builder().version(4_000).build())).stored());
    assertEquals(4_000, done(store.get(k)).cas());
    assertEquals("v4", value(k));
    // With ifAbsent (a new owner taking a key over), a key already there is kept.
    assertEquals(Outcome.NOT_STORED, done(store.set(k, b("v9"),
        SetOptions.builder().ifAbsent().version(9_000).build())).outcome());
    assertEquals("v4", value(k));
    // A local write after a versioned one gets a greater version (the sequence moved past it).
    SetResult local = done(store.set(Key.of("other"), b("x"), SetOptions.DEFAULT));
    assertTrue(local.current().cas() > 5_000, "cas " + local.current().cas());
  }

  @Test
  void set_ifAbsent() {
    assertTrue(done(store.set(k, b("a"), SetOptions.builder().ifAbsent().build())).stored());
    SetResult refused = done(store.set(k, b("b"), SetOptions.builder().ifAbsent().build()));
    assertEquals(Outcome.NOT_STORED, refused.outcome());
    assertArrayEquals(b("a"), bytes(k, refused.previous()));
    assertEquals("a", value(k));
  }

  @Test
  void set_ifPresent() {
    assertEquals(Outcome.NOT_STORED,
        done(store.set(k, b("a"), SetOptions.builder().ifPresent().build())).outcome());
    assertNull(value(k));
    done(store.set(k, b("a"), SetOptions.DEFAULT));
    assertTrue(done(store.set(k, b("b"), SetOptions.builder().ifPresent().build())).stored());
    assertEquals("b", value(k));
  }

  @Test
  void set_ifCas() {
    assertEquals(Outcome.NOT_FOUND,
        done(store.set(k, b("a"), SetOptions.builder().ifCas(1).build())).outcome());
    long cas = done(store.set(k, b("a"), SetOptions.DEFAULT)).current().cas();
    assertEquals(Outcome.EXISTS,
        done(store.set(k, b("b"), SetOptions.builder().ifCas(cas + 1).build())).outcome());
    assertTrue(done(store.set(k, b("c"), SetOptions.builder().ifCas(cas).build())).stored());
    assertEquals("c", value(k));
  }

  @Test
  void set_returnPrevious() {
    SetOptions get = SetOptions.builder().returnPrevious().build();
    assertNull(done(store.set(k, b("a"), get)).previous());
    assertArrayEquals(b("a"), bytes(k, done(store.set(k, b("b"), get)).previous()));
  }

  @Test
  void set_expiryAndKeepTtl() {
    done(store.set(k, b("a"), SetOptions.builder().expiresAt(now.get() + 1000).build()));
    assertEquals(1000, done(store.ttl(k)));
    done(store.set(k, b("b"), SetOptions.builder().keepTtl().build()));
    assertEquals(1000, done(store.ttl(k)));
    now.addAndGet(999);
    assertEquals("b", value(k));
    now.addAndGet(1);
    assertNull(value(k));
    assertEquals(CacheStore.TTL_ABSENT, done(store.ttl(k)));
  }

  @Test
  void set_expiryInThePastRemovesKey() {
    done(store.set(k, b("a"), SetOptions.DEFAULT));
    SetResult r = done(store.set(k, b("b"), SetOptions.builder().expiresAt(now.get() - 1).build()));
    assertTrue(r.stored());
    assertNull(r.current());
    assertNull(value(k));
  }

  @Test
  void expiredEntry_invisibleToEveryOperation() {
    done(store.set(k, b("5"), SetOptions.builder().expiresAt(now.get() + 10).build()));
    now.addAndGet(10);
    assertFalse(done(store.exists(k)));
    assertFalse(done(store.delete(k)));
    assertNull(done(store.getRange(k, 0, -1)));
    assertEquals(1, done(store.incrementBy(k, 1)));
    assertEquals(CacheStore.TTL_NONE, done(store.ttl(k)), "incr on an expired key starts afresh");
  }

  @Test
  void getRange_redisSemantics() {
    done(store.set(k, b("hello"), SetOptions.DEFAULT));
    assertEquals("hell", slice(0, 3));
    assertEquals("o", slice(-1, -1));
    assertEquals("h", slice(0, -100));
    assertEquals("", slice(-1, -5));
    assertEquals("", slice(10, 20));
    assertEquals("hello", slice(-100, 100));
    ValueSlice s = done(store.getRange(k, 1, 2));
    assertEquals(1, s.offset());
    assertEquals(5, s.totalLength());
  }

  private String slice(long start, long end) {
    return new String(done(store.getRange(k, start, end)).bytes(), StandardCharsets.UTF_8);
  }

  @Test
  void delete_present() {
    done(store.set(k, b("a"), SetOptions.DEFAULT));
    assertTrue(done(store.delete(k)));
    assertFalse(done(store.delete(k)));
  }

  @Test
  void incrementBy_redisRules() {
    assertEquals(5, done(store.incrementBy(k, 5)));
    assertEquals(-5, done(store.incrementBy(k, -10)));
    done(store.set(k, b(Long.toString(Long.MAX_VALUE)), SetOptions.DEFAULT));
    assertInstanceOf(IncrementOverflowException.class, failure(store.incrementBy(k, 1)));
    for (String bad : new String[] {"abc", "01", "+1", " 1", "1 ", "", "-0"}) {
      done(store.set(k, b(bad), SetOptions.DEFAULT));
      assertInstanceOf(NotAnIntegerException.class, failure(store.incrementBy(k, 1)), bad);
    }
  }

  @Test
  void incrementBy_keepsExpiryAndFlags() {
    done(store.set(k, b("1"), SetOptions.builder().flags(7).expiresAt(now.get() + 5000).build()));
    assertEquals(2, done(store.incrementBy(k, 1)));
    assertEquals(5000, done(store.ttl(k)));
    assertEquals(7, done(store.get(k)).flags());
  }

  @Test
  void incrementUnsigned_memcachedRules() {
    assertNull(done(store.incrementUnsigned(k, 1, false)), "missing key is not created");
    done(store.set(k, b("18446744073709551615"), SetOptions.DEFAULT));
    assertEquals(0L, done(store.incrementUnsigned(k, 1, false)), "incr wraps at 2^64");
    assertEquals(0L, done(store.incrementUnsigned(k, 5, true)), "decr stops at 0");
    done(store.set(k, b("10"), SetOptions.DEFAULT));
    assertEquals(9L, done(store.incrementUnsigned(k, 1, true)));
    assertEquals("9", value(k));
    done(store.set(k, b("abc"), SetOptions.DEFAULT));
    assertInstanceOf(NotAnIntegerException.class, failure(store.incrementUnsigned(k, 1, false)));
  }

  @Test
  void concat_appendPrepend() {
    ConcatOptions append = ConcatOptions.memcached(false, 0, NS);
    ConcatOptions prepend = ConcatOptions.memcached(true, 0, NS);
    assertEquals(Outcome.NOT_STORED, done(store.concat(k, b("x"), append)).outcome());
    assertNull(value(k));
    ConcatResult created = done(store.concat(k, b("x"), ConcatOptions.REDIS_APPEND));
    assertEquals(1, created.length());
    assertEquals(3, done(store.concat(k, b("yz"), append)).length());
    ConcatResult last = done(store.concat(k, b("ab"), prepend));
    assertEquals(5, last.length());
    assertEquals("abxyz", value(k));
    assertEquals(last.cas(), done(store.get(k)).cas());
    assertEquals(Outcome.NOT_STORED,
        done(store.concat(Key.of("other"), b("a"), prepend)).outcome());
  }

  @Test
  void concat_keepsFlagsAndExpiryChecksCasAndLength() {
    long cas = done(store.set(k, b("abc"),
        SetOptions.builder().flags(5).expiresAt(now.get() + 10_000).build())).current().cas();
    assertEquals(Outcome.EXISTS,
        done(store.concat(k, b("d"), ConcatOptions.memcached(false, cas + 1, NS))).outcome());
    assertEquals(Outcome.NOT_STORED,
        done(store.concat(k, b("de"), ConcatOptions.memcached(false, 0, 4))).outcome());
    assertEquals("abc", value(k));
    ConcatResult r = done(store.concat(k, b("d"), ConcatOptions.memcached(false, cas, 4)));
    assertEquals(Outcome.STORED, r.outcome());
    Entry e = done(store.get(k));
    assertEquals("abcd", new String(bytes(k, e), StandardCharsets.UTF_8));
    assertEquals(5, e.flags());
    assertEquals(now.get() + 10_000, e.expiresAt());
    assertNotEquals(cas, e.cas());
  }

  @Test
  void expire_conditionsAndPersist() {
    assertFalse(done(store.expire(k, now.get() + 1000, ExpireCondition.ALWAYS)));
    done(store.set(k, b("a"), SetOptions.DEFAULT));
    long cas = done(store.get(k)).cas();
    assertFalse(done(store.expire(k, now.get() + 1000, ExpireCondition.IF_SET)));
    assertFalse(done(store.expire(k, now.get() + 1000, ExpireCondition.GREATER)));
    assertTrue(done(store.expire(k, now.get() + 1000, ExpireCondition.LESS)));
    assertFalse(done(store.expire(k, now.get() + 2000, ExpireCondition.IF_NONE)));
    assertTrue(done(store.expire(k, now.get() + 2000, ExpireCondition.GREATER)));
    assertFalse(done(store.expire(k, now.get() + 3000, ExpireCondition.IF_SET_AND_LESS)));
    assertEquals(2000, done(store.ttl(k)));
    assertEquals(cas, done(store.get(k)).cas(), "touch keeps the CAS version");
    assertTrue(done(store.expire(k, Entry.NO_EXPIRY, ExpireCondition.ALWAYS)));
    assertEquals(CacheStore.TTL_NONE, done(store.ttl(k)));
    assertTrue(done(store.expire(k, now.get(), ExpireCondition.ALWAYS)));
    assertNull(value(k), "an expiry at or before now deletes");
  }

  @Test
  void flush_removesAll() {
    done(store.set(k, b("a"), SetOptions.DEFAULT));
    done(store.set(Key.of("j"), b("b"), SetOptions.DEFAULT));
    done(store.flush());
    assertNull(value(k));
    assertNull(value(Key.of("j")));
  }

  @Test
  void getAndTouch_changesExpiryKeepsCas() {
    Entry set = done(store.set(k, b("v"), SetOptions.builder().flags(7).build())).current();
    Entry touched = done(store.getAndTouch(k, now.get() + 1000));
    assertEquals(set.cas(), touched.cas());
    assertEquals(7, touched.flags());
    assertEquals(1000L, done(store.ttl(k)));
    done(store.getAndTouch(k, Entry.NO_EXPIRY));
    assertEquals(CacheStore.TTL_NONE, done(store.ttl(k)));
    assertEquals("v", new String(bytes(k, done(store.getAndTouch(k, now.get()))),
        StandardCharsets.UTF_8), "a past expiry returns the value and deletes the key");
    assertNull(done(store.get(k)));
    assertNull(done(store.getAndTouch(k, Entry.NO_EXPIRY)));
  }

  @Test
  void getAndDelete_returnsLiveEntryOnly() {
    done(store.set(k, b("v"), SetOptions.builder().expiresAt(now.get() + 10).build()));
    assertEquals("v", new String(bytes(k, done(store.getAndDelete(k))), StandardCharsets.UTF_8));
    assertNull(done(store.getAndDelete(k)));
    done(store.set(k, b("v"), SetOptions.builder().expiresAt(now.get() + 10).build()));
    now.addAndGet(10);
    assertNull(done(store.getAndDelete(k)));
  }

  @Test
  void setRange_redisRules() {
    assertEquals(0L, done(store.setRange(k, 5, new byte[0])));
    assertNull(done(store.get(k)), "writing nothing to a missing key leaves it missing");
    assertEquals(8L, done(store.setRange(k, 5, b("abc"))));
    assertArrayEquals(b("\0\0\0\0\0abc"), bytes(k, done(store.get(k))));
    done(store.set(k, b("Hello World"), SetOptions.builder().flags(3).build()));
    done(store.expire(k, now.get() + 5000, ExpireCondition.ALWAYS));
    assertEquals(11L, done(store.setRange(k, 6, b("Redis"))));
    assertEquals("Hello Redis", value(k));
    assertEquals(3, done(store.get(k)).flags());
    assertEquals(5000L, done(store.ttl(k)));
  }

  private static BitField.Op op(BitField.Kind kind, String type, long offset, long value,
      BitField.Overflow overflow) {
    return new BitField.Op(kind, type.charAt(0) == 'i', Integer.parseInt(type.substring(1)),
        offset, value, overflow);
  }

  private java.util.List<Long> bitField(BitField.Op... ops) {
    return done(store.bitField(k, new BitField(java.util.List.of(ops))));
  }

  @Test
  void bitField_setBitGrowsTheValueAndKeepsFlagsAndExpiry() {
    assertEquals(java.util.List.of(0L), done(store.bitField(k, BitField.setBit(7, 1))));
    assertArrayEquals(new byte[] {1}, bytes(k, done(store.get(k))));
    assertEquals(java.util.List.of(1L), done(store.bitField(k, BitField.setBit(7, 0))));
    assertArrayEquals(new byte[] {0}, bytes(k, done(store.get(k))));
    done(store.set(k, b("ab"), SetOptions.builder().flags(5).expiresAt(now.get() + 9000)
        .build()));
    // 'a' is 0x61: bits 1, 2 and 7 are set. Bit 100 is in byte 12, far past the end.
    assertEquals(java.util.List.of(1L, 0L, 0L), bitField(
        op(BitField.Kind.GET, "u1", 1, 0, BitField.Overflow.WRAP),
        op(BitField.Kind.GET, "u1", 3, 0, BitField.Overflow.WRAP),
        op(BitField.Kind.GET, "u1", 10_000, 0, BitField.Overflow.WRAP)));
    assertEquals(2, done(store.get(k)).length(), "reads past the end add nothing");
    assertEquals(java.util.List.of(0L), done(store.bitField(k, BitField.setBit(100, 1))));
    Entry e = done(store.get(k));
    assertEquals(13, e.length());
    assertEquals(5, e.flags());
    assertEquals(9000L, done(store.ttl(k)));
    byte[] v = bytes(k, e);
    assertEquals('a', v[0]);
    assertEquals(0x08, v[12]);
  }

  @Test
  void bitField_readsOnlyLeaveAMissingKeyMissing() {
    assertEquals(java.util.List.of(0L, 0L), bitField(
        op(BitField.Kind.GET, "i8", 0, 0, BitField.Overflow.WRAP),
        op(BitField.Kind.GET, "u63", 9, 0, BitField.Overflow.WRAP)));
    assertNull(done(store.get(k)));
    assertEquals(java.util.List.of(), done(store.bitField(k, new BitField(java.util.List.of()))));
  }

  @Test
  void bitField_overflowWrapSatFailAsRedis() {
    assertEquals(java.util.Arrays.asList(0L, 9L, 255L, null, 255L), bitField(
        op(BitField.Kind.SET, "u8", 0, 255, BitField.Overflow.WRAP),
        op(BitField.Kind.INCRBY, "u8", 0, 10, BitField.Overflow.WRAP),
        op(BitField.Kind.INCRBY, "u8", 0, 300, BitField.Overflow.SAT),
        op(BitField.Kind.INCRBY, "u8", 0, 1, BitField.Overflow.FAIL),
        op(BitField.Kind.GET, "u8", 0, 0, BitField.Overflow.WRAP)));
    assertEquals(java.util.Arrays.asList(0L, 127L, -128L, null, -128L), bitField(
        op(BitField.Kind.SET, "i8", 8, -128, BitField.Overflow.WRAP),
        op(BitField.Kind.INCRBY, "i8", 8, -1, BitField.Overflow.WRAP),
        op(BitField.Kind.INCRBY, "i8", 8, -1000, BitField.Overflow.SAT),
        op(BitField.Kind.INCRBY, "i8", 8, -1, BitField.Overflow.FAIL),
        op(BitField.Kind.GET, "i16", 0, 0, BitField.Overflow.WRAP))); // 0xff80
    // A field across a byte boundary, written and read back; the value grew to 3 bytes.
    assertEquals(java.util.List.of(0xf00L, 1000L), bitField( // was 111 10000000 0
        op(BitField.Kind.SET, "u12", 5, 1000, BitField.Overflow.WRAP),
        op(BitField.Kind.GET, "u12", 5, 0, BitField.Overflow.WRAP)));
    assertEquals(3, done(store.get(k)).length());
  }

  @Test
  void incrementByFloat_redisFormatting() {
    done(store.set(k, b("10.50"), SetOptions.DEFAULT));
    assertEquals("10.6", new String(done(store.incrementByFloat(k, b("0.1"))), StandardCharsets.UTF_8));
    assertEquals("5.6", new String(done(store.incrementByFloat(k, b("-5"))), StandardCharsets.UTF_8));
    done(store.set(k, b("5.0e3"), SetOptions.DEFAULT));
    assertEquals("5200", new String(done(store.incrementByFloat(k, b("2.0e2"))), StandardCharsets.UTF_8));
    assertEquals("0.3", new String(done(store.incrementByFloat(Key.of("f"), b("0.3"))),
        StandardCharsets.UTF_8));
    assertInstanceOf(NotAFloatException.class, failure(store.incrementByFloat(k, b("1f"))));
    assertInstanceOf(NotAFloatException.class, failure(store.incrementByFloat(k, b(" 1"))));
    assertInstanceOf(NotFiniteException.class, failure(store.incrementByFloat(k, b("inf"))));
    done(store.set(k, b("abc"), SetOptions.DEFAULT));
    assertInstanceOf(NotAFloatException.class, failure(store.incrementByFloat(k, b("1"))));
    assertEquals("abc", value(k));
  }

  @Test
  void isolated_runsTheSectionOnAStoreThatServesItsKeys() {
    Key to = Key.of("{k}to"); // k's hash tag: one owner in a cluster
    String read = done(store.isolated(java.util.List.of(k, to, k), section ->
        section.set(k, b("in"), SetOptions.DEFAULT)
            .thenCompose(r -> section.rename(k, to, false))
            .thenCompose(o -> section.get(to))
            .thenApply(e -> new String(e.value(), java.nio.charset.StandardCharsets.UTF_8))));
    assertEquals("in", read);
    assertEquals("in", value(to), "the section's writes stay after it ends");
    assertNull(done(store.get(k)));
    done(store.set(k, b("after"), SetOptions.DEFAULT)); // nothing is left held
    assertEquals("after", value(k));
  }

  @Test
  void rename_movesValueFlagsAndExpiry() {
    Key to = Key.of("{k}to"); // k's hash tag: one owner in a cluster
    assertEquals(Outcome.NOT_FOUND, done(store.rename(k, to, false)));
    done(store.set(k, b("v"), SetOptions.builder().flags(9).expiresAt(now.get() + 100).build()));
    done(store.set(to, b("old"), SetOptions.DEFAULT));
    assertEquals(Outcome.NOT_STORED, done(store.rename(k, to, true)));
    assertEquals(Outcome.STORED, done(store.rename(k, k, false)));
    assertEquals(Outcome.NOT_STORED, done(store.rename(k, k, true)));
    assertEquals(Outcome.STORED, done(store.rename(k, to, false)));
    assertNull(done(store.get(k)));
    assertEquals("v", value(to));
    assertEquals(9, done(store.get(to)).flags());
    assertEquals(100L, done(store.ttl(to)));
  }

  @Test
  void copy_keepsSourceAndRespectsReplace() {
    Key to = Key.of("{k}to"); // k's hash tag: one owner in a cluster
    assertEquals(Outcome.NOT_FOUND, done(store.copy(k, to, false)));
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    done(store.set(to, b("old"), SetOptions.DEFAULT));
    assertEquals(Outcome.NOT_STORED, done(store.copy(k, to, false)));
    assertEquals("old", value(to));
    assertEquals(Outcome.STORED, done(store.copy(k, to, true)));
    assertEquals("v", value(to));
    assertEquals("v", value(k));
    assertNotEquals(done(store.get(k)).cas(), done(store.get(to)).cas());
  }

  @Test
  void scan_returnsEveryKeyPresentThroughout() {
    Set<Key> expected = new HashSet<>();
    for (int i = 0; i < 1000; i++) {
      Key key = Key.of("key:" + i);
      expected.add(key);
      done(store.set(key, b("v"), SetOptions.DEFAULT));
    }
    Set<Key> seen = new HashSet<>();
    long cursor = 0;
    int pages = 0;
    do {
      ScanPage page = done(store.scan(cursor, 7));
      seen.addAll(page.keys());
      cursor = page.cursor();
      // Writes during the scan must not make it miss keys present throughout.
      done(store.set(Key.of("new:" + pages), b("v"), SetOptions.DEFAULT));
      done(store.delete(Key.of("new:" + (pages - 1))));
      pages++;
    } while (cursor != 0);
    assertTrue(seen.containsAll(expected), "missed keys");
    assertTrue(pages > 100, "COUNT bounds each page");
  }

  @Test
  void scan_unknownCursorStartsOverAndExpiredKeysAreSkipped() {
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    done(store.set(Key.of("e"), b("v"), SetOptions.builder().expiresAt(now.get() + 1).build()));
    now.addAndGet(1);
    ScanPage page = done(store.scan(123456789L, 10));
    assertEquals(Set.of(k), Set.copyOf(page.keys()));
    assertEquals(0, page.cursor());
  }

  @Test
  void randomKey_liveKeyOrNull() {
    assertNull(done(store.randomKey()));
    done(store.set(Key.of("e"), b("v"), SetOptions.builder().expiresAt(now.get() + 1).build()));
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    now.addAndGet(1);
    for (int i = 0; i < 20; i++) {
      assertEquals(k, done(store.randomKey()));
    }
  }

  private static final long NS = io.sidecache.store.CacheStore.NOT_SET;

  private FetchResult fetch(long touch, long vivify, long recache, boolean record) {
    return done(store.fetch(k, new FetchOptions(touch, vivify, recache, record)));
  }

  @Test
  void get_recordsAccessOncePerSecond() {
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    Entry e = done(store.get(k));
    assertTrue(e.fetched());
    now.addAndGet(5_000);
    FetchResult r = done(store.fetch(k, FetchOptions.READ));
    assertTrue(Entry.isFetched(r.accessBefore()));
    assertEquals(5, Entry.secondsSinceAccess(r.accessBefore(), now.get()));
    assertEquals(0, Entry.secondsSinceAccess(r.entry().accessState(), now.get()));
  }

  @Test
  void fetch_reportsStateBeforeThisRead() {
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    now.addAndGet(3_000);
    FetchResult first = fetch(NS, NS, NS, true);
    assertFalse(Entry.isFetched(first.accessBefore()));
    assertEquals(3, Entry.secondsSinceAccess(first.accessBefore(), now.get()));
    assertTrue(Entry.isFetched(fetch(NS, NS, NS, true).accessBefore()));
  }

  @Test
  void fetch_withoutRecordingLeavesUnfetched() {
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    fetch(NS, NS, NS, false);
    assertFalse(Entry.isFetched(fetch(NS, NS, NS, false).accessBefore()));
  }

  @Test
  void fetch_missIsNull_vivifyCreatesAndWinsOnce() {
    assertNull(fetch(NS, NS, NS, true));
    FetchResult created = fetch(NS, now.get() + 30_000, NS, true);
    assertTrue(created.created());
    assertTrue(created.won());
    assertFalse(created.tokenAlreadySent());
    assertEquals(0, created.entry().length());
    assertEquals(now.get() + 30_000, created.entry().expiresAt());
    FetchResult again = fetch(NS, now.get() + 30_000, NS, true);
    assertFalse(again.created());
    assertFalse(again.won());
    assertTrue(again.tokenAlreadySent());
  }

  @Test
  void fetch_touchKeepsCasAndAccessState() {
    long cas = done(store.set(k, b("v"), SetOptions.DEFAULT)).current().cas();
    fetch(NS, NS, NS, true);
    FetchResult touched = fetch(now.get() + 9_000, NS, NS, true);
    assertEquals(cas, touched.entry().cas());
    assertEquals(now.get() + 9_000, touched.entry().expiresAt());
    assertTrue(Entry.isFetched(touched.accessBefore()));
    assertEquals(now.get() + 9_000, done(store.get(k)).expiresAt());
  }

  @Test
  void fetch_recacheWinsOnlyBelowThresholdAndOnce() {
    done(store.set(k, b("v"), SetOptions.builder().expiresAt(now.get() + 10_000).build()));
    assertFalse(fetch(NS, NS, now.get() + 5_000, true).won());
    FetchResult win = fetch(NS, NS, now.get() + 20_000, true);
    assertTrue(win.won());
    FetchResult lose = fetch(NS, NS, now.get() + 20_000, true);
    assertFalse(lose.won());
    assertTrue(lose.tokenAlreadySent());
    // A new write clears the token.
    done(store.set(k, b("w"), SetOptions.builder().expiresAt(now.get() + 10_000).build()));
    assertTrue(fetch(NS, NS, now.get() + 20_000, true).won());
  }

  @Test
  void fetch_recacheNeverWinsWithoutExpiry() {
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    assertFalse(fetch(NS, NS, now.get() + 20_000, true).won());
  }

  @Test
  void fetch_winTokenClaimedByExactlyOneThread() throws Exception {
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    done(store.delete(k, new DeleteOptions(false, 0, true, NS)));
    int threads = 8;
    java.util.concurrent.ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      java.util.List<java.util.concurrent.Future<Boolean>> wins = new java.util.ArrayList<>();
      for (int i = 0; i < threads; i++) {
        wins.add(pool.submit(() -> {
          go.await();
          return fetch(NS, NS, NS, true).won();
        }));
      }
      go.countDown();
      int won = 0;
      for (java.util.concurrent.Future<Boolean> f : wins) {
        won += f.get() ? 1 : 0;
      }
      assertEquals(1, won);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void deleteOptions_invalidateMarksStaleNewCasNextReaderWins() {
    long cas = done(store.set(k, b("v"), SetOptions.DEFAULT)).current().cas();
    assertEquals(Outcome.EXISTS, done(store.delete(k, new DeleteOptions(true, cas + 1, true, NS))));
    assertEquals(Outcome.STORED, done(store.delete(k, new DeleteOptions(true, cas, true, NS))));
    Entry stale = done(store.get(k));
    assertTrue(stale.isStale());
    assertNotEquals(cas, stale.cas());
    assertEquals("v", value(k));
    FetchResult first = fetch(NS, NS, NS, true);
    assertTrue(first.won());
    FetchResult second = fetch(NS, NS, NS, true);
    assertFalse(second.won());
    assertTrue(second.tokenAlreadySent());
    // Invalidating again hands the token out anew, and can set a new expiry.
    done(store.delete(k, new DeleteOptions(false, 0, true, now.get() + 1_000)));
    assertEquals(now.get() + 1_000, done(store.get(k)).expiresAt());
    assertTrue(fetch(NS, NS, NS, true).won());
  }

  @Test
  void fetch_peekNeverWinsTheToken() {
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    done(store.delete(k, new DeleteOptions(false, 0, true, NS)));
    FetchResult peek = done(store.fetch(k, FetchOptions.PEEK));
    assertFalse(peek.won());
    assertTrue(peek.entry().isStale());
    assertTrue(fetch(NS, NS, NS, true).won());
  }

  @Test
  void deleteOptions_casDeleteAndMiss() {
    assertEquals(Outcome.NOT_FOUND, done(store.delete(k, new DeleteOptions(false, 0, false, NS))));
    long cas = done(store.set(k, b("v"), SetOptions.DEFAULT)).current().cas();
    assertEquals(Outcome.EXISTS, done(store.delete(k, new DeleteOptions(true, cas - 1, false, NS))));
    assertEquals(Outcome.STORED, done(store.delete(k, new DeleteOptions(true, cas, false, NS))));
    assertNull(done(store.get(k)));
  }

  @Test
  void set_staleIfCasOlder() {
    long old = done(store.set(k, b("a"), SetOptions.DEFAULT)).current().cas();
    long exp = now.get() + 60_000;
    long cas = done(store.set(k, b("b"), SetOptions.builder().expiresAt(exp).build()))
        .current().cas();
    fetch(NS, NS, now.get() + 120_000, true); // hands out the token
    SetResult newer = done(store.set(k, b("c"),
        SetOptions.builder().ifCas(cas + 5).staleIfCasOlder().build()));
    assertEquals(Outcome.EXISTS, newer.outcome());
    SetResult stale = done(store.set(k, b("d"),
        SetOptions.builder().ifCas(old).staleIfCasOlder().expiresAt(now.get() + 5).build()));
    assertEquals(Outcome.STORED, stale.outcome());
    assertTrue(stale.current().isStale());
    assertTrue(stale.current().winTokenSent());
    assertEquals(exp, stale.current().expiresAt());
    assertEquals("d", value(k));
    SetResult match = done(store.set(k, b("e"),
        SetOptions.builder().ifCas(stale.current().cas()).staleIfCasOlder().build()));
    assertFalse(match.current().isStale());
    assertThrows(IllegalStateException.class, () -> SetOptions.builder().staleIfCasOlder().build());
  }

  @Test
  void incrementUnsigned_counterOptions() {
    CounterResult miss = done(store.incrementUnsigned(k, 1, false, CounterOptions.NONE));
    assertEquals(Outcome.NOT_FOUND, miss.outcome());
    CounterResult created = done(store.incrementUnsigned(k, 5, false,
        new CounterOptions(false, 0, now.get() + 10_000, 42, NS)));
    assertTrue(created.created());
    assertEquals(42, created.value());
    assertEquals(now.get() + 10_000, created.entry().expiresAt());
    CounterResult bad = done(store.incrementUnsigned(k, 1, false,
        new CounterOptions(true, created.entry().cas() + 1, NS, 0, NS)));
    assertEquals(Outcome.EXISTS, bad.outcome());
    CounterResult down = done(store.incrementUnsigned(k, 50, true,
        new CounterOptions(true, created.entry().cas(), NS, 0, now.get() + 99_000)));
    assertEquals(0, down.value());
    assertEquals(now.get() + 99_000, down.entry().expiresAt());
    assertEquals("0", value(k));
    done(store.set(k, b("x"), SetOptions.DEFAULT));
    assertInstanceOf(NotAnIntegerException.class,
        failure(store.incrementUnsigned(k, 1, false, CounterOptions.NONE)));
  }

  @Test
  void getAndTouch_recordsAccessKeepsStaleness() {
    done(store.set(k, b("v"), SetOptions.DEFAULT));
    done(store.delete(k, new DeleteOptions(false, 0, true, NS)));
    Entry e = done(store.getAndTouch(k, now.get() + 5_000));
    assertTrue(e.isStale());
    assertTrue(e.fetched());
  }

  @Test
  void stats_countTheKeysWithAnExpiryAndTheirMeanTtl() {
    org.junit.jupiter.api.Assumptions.assumeTrue(statsCountItsKeys());
    Key a = Key.of("{e}a");
    Key b = Key.of("{e}b");
    Key c = Key.of("{e}c");
    done(store.set(a, b("1"), SetOptions.DEFAULT));
    done(store.set(b, b("2"), SetOptions.builder().expiresAt(now.get() + 100_000).build()));
    done(store.set(c, b("3"), SetOptions.builder().expiresAt(now.get() + 50_000).build()));
    assertEquals(new ExpiringKeys(2, 150_000), store.stats().expiring());
    now.addAndGet(10_000);
    assertEquals(new ExpiringKeys(2, 130_000), store.stats().expiring());
    assertEquals(65_000, store.stats().expiring().averageTtlMillis());
    assertTrue(done(store.expire(a, now.get() + 1_000, ExpireCondition.ALWAYS)));
    assertEquals(3, store.stats().expiring().count());
    assertTrue(done(store.expire(b, Entry.NO_EXPIRY, ExpireCondition.ALWAYS)));
    assertEquals(new ExpiringKeys(2, 41_000), store.stats().expiring());
    // An overwrite without a TTL drops the key's TTL; a rename carries it.
    done(store.set(c, b("4"), SetOptions.DEFAULT));
    assertEquals(Outcome.STORED, done(store.rename(a, Key.of("{e}d"), false)));
    assertEquals(new ExpiringKeys(1, 1_000), store.stats().expiring());
    done(store.set(c, b("5"), SetOptions.builder().expiresAt(now.get() + 9_000).build()));
    assertTrue(done(store.delete(Key.of("{e}d"))));
    assertEquals(new ExpiringKeys(1, 9_000), store.stats().expiring());
    done(store.flush());
    assertEquals(ExpiringKeys.NONE, store.stats().expiring());
    assertEquals(0, store.stats().keys());
  }
}
