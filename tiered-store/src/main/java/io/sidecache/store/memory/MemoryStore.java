package io.sidecache.store.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.sidecache.store.BitField;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ChunkedValueException;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.ConcatResult;
import io.sidecache.store.CounterOptions;
import io.sidecache.store.CounterResult;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.ExpiryTally;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.FetchResult;
import io.sidecache.store.IncrementOverflowException;
import io.sidecache.store.Key;
import io.sidecache.store.KeyChanges;
import io.sidecache.store.NotAFloatException;
import io.sidecache.store.NotAnIntegerException;
import io.sidecache.store.NotFiniteException;
import io.sidecache.store.Numbers;
import io.sidecache.store.ScanPage;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.SetResult.Outcome;
import io.sidecache.store.StoreStats;
import io.sidecache.store.Ticker;
import io.sidecache.store.ValueSlice;
import io.sidecache.store.chunk.ChunkReleaser;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory tier: a {@link CacheStore} on a Caffeine cache bounded by bytes, with W-TinyLFU
 * eviction and per-entry expiry.
 *
 * <p>Every operation completes before it returns (no thread hop). Conditional and
 * read-modify-write operations run inside Caffeine's per-key atomic {@code compute}, so operations
 * on one key are linearizable. The weight of an entry is its key and value bytes plus {@link
 * #ENTRY_OVERHEAD} bytes of bookkeeping, so the configured bound approximates heap held.
 *
 * <p>Expiry is the store's own, not Caffeine's: no operation serves or keeps using an entry past
 * its {@link Entry#expiresAt()}; a lookup that finds one removes it, and a write that replaces or
 * removes one counts and reports its expiry. When the builder was given an {@link
 * Builder#activeExpiry scheduler}, {@link ActiveExpiry}'s sweep also reclaims entries that expire
 * without being touched again, as Redis's active expiry cycle does, so they do not hold memory for
 * long; without one they are reclaimed when read, written, evicted by size, or by {@link
 * #cleanUp()}. An entry with an expiry time weighs {@link #EXPIRY_OVERHEAD} more.
 */
public final class MemoryStore implements CacheStore {
  /**
   * Estimated heap bytes per entry beyond key and value bytes: Caffeine node and map slot, the
   * {@link Key} and {@link Entry} objects and two array headers (measured ~140 B, DESIGN.md).
   */
  public static final int ENTRY_OVERHEAD = 144;

  /**
   * Estimated heap bytes an entry with an expiry time holds beyond {@link #ENTRY_OVERHEAD}: its
   * key's node and slot in {@link ActiveExpiry}'s set.
   */
  public static final int EXPIRY_OVERHEAD = 40;

  private static final Logger log = LoggerFactory.getLogger(MemoryStore.class);
  private static final CompletableFuture<Boolean> TRUE = CompletableFuture.completedFuture(true);
  private static final CompletableFuture<Boolean> FALSE = CompletableFuture.completedFuture(false);
  private static final byte[] EMPTY = new byte[0];
  private static final ConcatResult NOT_CONCATENATED =
      new ConcatResult(Outcome.NOT_STORED, 0, 0);

  private final Cache<Key, Entry> cache;
  /** {@link #cache}'s policy, for reads that leave recency and frequency alone. */
  private final Policy<Key, Entry> policy;
  private final ConcurrentMap<Key, Entry> map;
  private final Ticker ticker;
  private final long maximumBytes;
  private final AtomicLong casSequence = new AtomicLong();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder expirations = new LongAdder();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final KeyScans scans;
  private final ChunkReleaser releaser;
  /** The map without the release hook, for moving an entry (rename) rather than dropping it. */
  private final ConcurrentMap<Key, Entry> moves;
  /** The Caffeine map with {@link #expiring} kept beside it: every other view writes through it. */
  private final ConcurrentMap<Key, Entry> tallied;
  /** The entries held here that carry an expiry time. */
  private final ExpiryTally expiring;
  /** Their keys, and the sweep that reclaims them once expired. */
  private final ActiveExpiry active;
  /** Told of keys that leave this tier on their own (expired, evicted). */
  private final KeyChanges changes;

  private MemoryStore(Builder b) {
    this.ticker = b.ticker;
    this.expiring = new ExpiryTally(b.ticker.millis());
    this.maximumBytes = b.maximumBytes;
    this.casSequence.set(b.casFloor);
    LowerTier lower = b.lowerTier;
    ChunkReleaser release = b.chunkReleaser;
    this.releaser = release;
    this.changes = b.keyChanges != null ? b.keyChanges : KeyChanges.NONE;
    this.active = new ActiveExpiry(new ActiveExpiry.Tier() {
      @Override
      public Entry current(Key key) {
        return policy.getIfPresentQuietly(key);
      }

      @Override
      public boolean reclaim(Key key, Entry expired) {
        return MemoryStore.this.reclaim(key, expired);
      }
    });
    // No Caffeine expiry (no Expiry, no ticker, no timer wheel): ActiveExpiry's sweep reclaims
    // expired entries, and every operation checks Entry.isExpiredAt itself. Caffeine's per-entry
    // expiry cost 10-20 % of GET, SET and INCR's throughput at pipeline 16 (docs/benchmarks.md).
    Caffeine<Object, Object> caffeine = Caffeine.newBuilder().maximumWeight(b.maximumBytes);
    if (b.executor != null) {
      caffeine.executor(b.executor);
    }
    this.cache =
        caffeine
            .<Key, Entry>weigher((k, e) -> weigh(k, e))
            .evictionListener((Key k, Entry e, RemovalCause cause) -> {
              expiring.replaced(e, null);
              if (e.hasExpiry()) {
                active.evicted(k);
                // An entry that expired unswept and is then evicted by size counts as expired.
                (e.isExpiredAt(ticker.millis()) ? expirations : evictions).increment();
              } else {
                evictions.increment();
              }
              if (lower != null && cause == RemovalCause.SIZE) {
                lower.evicted(k, e); // which drops an expired entry rather than demote it
              } else if (e.isChunked()) {
                release.released(e, null); // evicted with nowhere to go
              }
              // Also a key moved to the tier below: what happens to it there (expiry, eviction)
              // is not reported, so a client caching it reads it again instead.
              changes.changed(k, KeyChanges.NO_ORIGIN);
            })
            .build();
    this.policy = cache.policy();
    this.tallied = new WatchedMap(cache.asMap(), this::tallied);
    this.moves = lower == null ? tallied : new LayeredMap(tallied, lower);
    this.map = release == ChunkReleaser.NONE ? moves : new WatchedMap(moves, this::released);
    this.scans = new KeyScans(moves);
    if (b.expiryScheduler != null) {
      b.expiryScheduler.scheduleWithFixedDelay(this::sweep, ActiveExpiry.PERIOD_MILLIS,
          ActiveExpiry.PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Removes {@code key}'s entry if it is still {@code expired}, which {@link #tallied} counts and
   * reports; a chunked one's chunks are released.
   *
   * @return whether it was removed
   */
  private boolean reclaim(Key key, Entry expired) {
    boolean removed = tallied.remove(key, expired);
    if (removed && expired.isChunked()) {
      releaser.released(expired, null);
    }
    return removed;
  }

  /** One run of the active expiry sweep, on the scheduler's thread. */
  private void sweep() {
    try {
      active.sweep(ticker.millis(), false);
    } catch (RuntimeException e) {
      // A failed run must not cancel the ones after it (a thrown exception would).
      log.warn("active expiry sweep failed", e);
    }
  }

  /**
   * The watcher right over the Caffeine map, which every write passes: keeps {@link #expiring}
   * and {@link #active} up to date, and counts and reports an entry that a write (or the sweep)
   * removed or replaced after it had expired, as Redis does when a
   * lookup finds a key expired ({@code expireIfNeeded}).
   */
  private void tallied(Key key, Entry before, Entry after) {
    expiring.replaced(before, after);
    if (after != null && after != before && after.hasExpiry()) {
      active.added(key);
    }
    if (before != null && before != after && before.hasExpiry()
        && before.isExpiredAt(ticker.millis())) {
      expirations.increment();
      changes.changed(key, KeyChanges.NO_ORIGIN);
    }
  }

  /**
   * The chunk release hook: tells the releaser when a write replaced or removed a chunked entry
   * with something that does not share its manifest.
   */
  private void released(Key key, Entry before, Entry after) {
    if (before != null && before.isChunked()
        && (after == null || after.value() != before.value())) {
      releaser.released(before, after);
    }
  }

  /** Returns a builder; {@link Builder#maximumBytes(long)} must be called. */
  public static Builder builder() {
    return new Builder();
  }

  private static int weigh(Key key, Entry entry) {
    long w = (long) key.length() + entry.heldBytes() + ENTRY_OVERHEAD
        + (entry.hasExpiry() ? EXPIRY_OVERHEAD : 0);
    return (int) Math.min(Integer.MAX_VALUE, w);
  }

  /** Returns the configured bound in bytes. */
  public long maximumBytes() {
    return maximumBytes;
  }

  /** Returns the approximate number of entries held, expired ones possibly included. */
  public long estimatedSize() {
    return cache.estimatedSize();
  }

  /** Returns the approximate bytes held, as weighed against {@link #maximumBytes()}. */
  public long weightedSize() {
    return cache.policy().eviction().orElseThrow().weightedSize().orElse(0L);
  }

  /**
   * Visits every live entry held in this tier (not below it), in no particular order; for an
   * orderly shutdown that moves the tier to disk. Weakly consistent with concurrent writes.
   *
   * @param visitor receives each key and entry
   */
  public void forEachInMemory(java.util.function.BiConsumer<Key, Entry> visitor) {
    long now = ticker.millis();
    cache.asMap().forEach((k, e) -> {
      if (!e.isExpiredAt(now)) {
        visitor.accept(k, e);
      }
    });
  }

  /** Returns the active expiry's key set and sweep; for tests. */
  ActiveExpiry activeExpiry() {
    return active;
  }

  /**
   * Runs pending maintenance now: Caffeine's (eviction) and an unbounded expiry sweep that
   * reclaims every expired entry; for tests and orderly shutdown.
   */
  public void cleanUp() {
    cache.cleanUp();
    active.sweep(ticker.millis(), true);
  }

  private long nextCas() {
    return casSequence.incrementAndGet();
  }

  /** The CAS version of a write: {@link SetOptions#version()} when given, else the next. */
  private long casOf(SetOptions options) {
    long version = options.version();
    if (version == 0) {
      return nextCas();
    }
    casSequence.accumulateAndGet(version, Math::max);
    return version;
  }

  /** A freshly written entry: a new CAS version, not fetched, last accessed at {@code now}. */
  private Entry newEntry(byte[] value, int flags, long expiresAt, long now) {
    return new Entry(value, flags, nextCas(), expiresAt, Entry.writtenAt(now));
  }

  /**
   * The key's live entry, read without telling Caffeine's eviction policy: the memory tier's own
   * entry when it holds one (no read buffer, no maintenance), else the layered map's read, which
   * promotes an entry from the tier below. A client read tells the policy through {@link
   * #accessed}.
   */
  private Entry live(Key key, long now) {
    Entry e = policy.getIfPresentQuietly(key);
    if (e == null) {
      e = map.get(key);
    }
    if (e != null && e.isExpiredAt(now)) {
      // Reclaimed as the lookup finds it, as Redis's expireIfNeeded deletes a key on access.
      reclaim(key, e);
      return null;
    }
    return e;
  }

  /** {@link #live}, counted as a value read's hit or miss ({@link StoreStats#hits()}). */
  private Entry read(Key key, long now) {
    Entry e = live(key, now);
    (e == null ? misses : hits).increment();
    return e;
  }

  /**
   * Records a client read of {@code e}, the live entry of {@code key}: its access state ({@link
   * Entry#recordAccess}) and, on the entry's first read in a second, Caffeine's eviction policy
   * (recency and frequency). Later reads in the same second leave the policy alone, as memcached
   * bumps an item in its LRU at most once per {@code ITEM_UPDATE_INTERVAL}: telling the policy is
   * a read-buffer entry and, when the buffer drains on the caller's thread, a reorder in the
   * access-order deques, more than half of a GET's time when done on every read (measured with
   * Caffeine's expiry on; docs/benchmarks.md, "Profiles").
   *
   * @return the access state before this read
   */
  private int accessed(Key key, Entry e, long now) {
    int before = e.recordAccess(now);
    if (!Entry.isFetched(before) || Entry.secondsSinceAccess(before, now) != 0) {
      cache.getIfPresent(key);
    }
    return before;
  }

  @Override
  public CompletionStage<Entry> get(Key key) {
    long now = ticker.millis();
    Entry e = read(key, now);
    if (e != null) {
      accessed(key, e, now);
    }
    return CompletableFuture.completedFuture(e);
  }

  /**
   * {@inheritDoc}
   *
   * <p>A fetch that neither touches, vivifies nor wins a token reads without locking; the others,
   * and every token claim, run inside the key's atomic {@code compute}, so a claim never races a
   * touch that copies the entry.
   */
  @Override
  public CompletionStage<FetchResult> fetch(Key key, FetchOptions options) {
    long now = ticker.millis();
    if (options.touchExpiresAt() == NOT_SET && options.vivifyExpiresAt() == NOT_SET) {
      // A fetch that records no access is a look of the store's own layers, not a client read.
      Entry e = options.recordAccess() ? read(key, now) : live(key, now);
      if (e == null) {
        return CompletableFuture.completedFuture(null);
      }
      if (!wantsToken(e, false, options)) {
        int before = options.recordAccess() ? accessed(key, e, now) : e.accessState();
        return CompletableFuture.completedFuture(
            new FetchResult(e, false, false, e.winTokenSent(), before));
      }
    }
    FetchResult[] result = new FetchResult[1];
    map.compute(
        key,
        (k, old) -> {
          Entry e = old != null && old.isExpiredAt(now) ? null : old;
          boolean created = false;
          if (e == null) {
            if (options.vivifyExpiresAt() == NOT_SET) {
              return null;
            }
            e = newEntry(EMPTY, 0, options.vivifyExpiresAt(), now);
            created = true;
          } else if (options.touchExpiresAt() != NOT_SET
              && e.expiresAt() != options.touchExpiresAt()) {
            e = e.withExpiry(options.touchExpiresAt());
          }
          int before = options.recordAccess() ? e.recordAccess(now) : e.accessState();
          boolean won = wantsToken(e, created, options) && e.claimWinToken();
          result[0] = new FetchResult(e, created, won, !won && e.winTokenSent(), before);
          return e.isExpiredAt(now) ? null : e;
        });
    return CompletableFuture.completedFuture(result[0]);
  }

  /** memcached mget: a vivified or stale entry, or one expiring before the recache time. */
  private static boolean wantsToken(Entry e, boolean created, FetchOptions options) {
    if (!options.claimToken()) {
      return false;
    }
    if (created || e.isStale()) {
      return !e.winTokenSent();
    }
    return options.recacheBefore() != NOT_SET
        && !e.winTokenSent()
        && e.hasExpiry()
        && e.expiresAt() < options.recacheBefore();
  }

  @Override
  public CompletionStage<ValueSlice> getRange(Key key, long start, long end) {
    long now = ticker.millis();
    Entry e = read(key, now);
    if (e != null && e.isChunked()) {
      return CompletableFuture.failedFuture(ChunkedValueException.INSTANCE);
    }
    if (e != null) {
      accessed(key, e, now);
    }
    return CompletableFuture.completedFuture(e == null ? null : ValueSlice.of(e, start, end));
  }

  @Override
  public CompletionStage<SetResult> set(Key key, byte[] value, SetOptions options) {
    long now = ticker.millis();
    if (options.condition() == SetOptions.Condition.ALWAYS
        && !options.keepTtl()
        && !options.returnPrevious()) {
      Entry entry = written(value, options, options.expiresAt(), now);
      if (entry.isExpiredAt(now)) {
        map.remove(key);
        return CompletableFuture.completedFuture(new SetResult(Outcome.STORED, null, null));
      }
      map.put(key, entry);
      return CompletableFuture.completedFuture(new SetResult(Outcome.STORED, null, entry));
    }
    SetResult[] result = new SetResult[1];
    map.compute(
        key,
        (k, old) -> {
          if (old != null && old.isExpiredAt(now)) {
            old = null;
          }
          Outcome refused = refusal(options, old);
          boolean staleWrite = refused == Outcome.EXISTS && isOlderCas(options, old);
          if (refused != null && !staleWrite) {
            result[0] = new SetResult(refused, old, null);
            return old;
          }
          long expiresAt =
              (options.keepTtl() || staleWrite) && old != null
                  ? old.expiresAt()
                  : options.expiresAt();
          Entry previous = options.returnPrevious() ? old : null;
          Entry entry =
              staleWrite
                  ? new Entry(value, options.flags(), nextCas(), expiresAt,
                      chunked(options, Entry.staleWriteState(old.accessState(), now)))
                  : written(value, options, expiresAt, now);
          if (entry.isExpiredAt(now)) {
            result[0] = new SetResult(Outcome.STORED, previous, null);
            return null;
          }
          result[0] = new SetResult(Outcome.STORED, previous, entry);
          return entry;
        });
    return CompletableFuture.completedFuture(result[0]);
  }

  /** The entry a set writes: {@link SetOptions#chunked()} values are manifests. */
  private Entry written(byte[] value, SetOptions options, long expiresAt, long now) {
    return new Entry(value, options.flags(), casOf(options), expiresAt,
        chunked(options, Entry.writtenAt(now)));
  }

  private static int chunked(SetOptions options, int accessState) {
    return options.chunked() ? Entry.chunkedState(accessState) : accessState;
  }

  /** Fails an operation that needs the bytes of a value stored in chunks (class docs). */
  /**
   * The entry a compute found, as read-modify-write operations see it: {@code null} when absent or
   * expired at {@code now}.
   *
   * @throws ChunkedValueException if it is chunked (the chunk layer runs the operation)
   */
  private static Entry liveInHeap(Entry old, long now) {
    return old == null || old.isExpiredAt(now) ? null : inHeap(old);
  }

  /** A new value for a key: a fresh entry, or one keeping {@code old}'s flags and expiry. */
  private Entry rewritten(Entry old, byte[] value, long now) {
    return old == null
        ? newEntry(value, 0, Entry.NO_EXPIRY, now)
        : newEntry(value, old.flags(), old.expiresAt(), now);
  }

  private static Entry inHeap(Entry e) {
    if (e != null && e.isChunked()) {
      throw ChunkedValueException.INSTANCE;
    }
    return e;
  }

  /** memcached meta set {@code I}: the client's CAS is older than the entry's, store as stale. */
  private static boolean isOlderCas(SetOptions options, Entry old) {
    return options.staleIfCasOlder() && Long.compareUnsigned(options.expectedCas(), old.cas()) < 0;
  }

  private static Outcome refusal(SetOptions options, Entry old) {
    switch (options.condition()) {
      case IF_ABSENT:
        return old == null ? null : Outcome.NOT_STORED;
      case IF_PRESENT:
        return old != null ? null : Outcome.NOT_STORED;
      case IF_CAS:
        if (old == null) {
          return Outcome.NOT_FOUND;
        }
        return old.cas() == options.expectedCas() ? null : Outcome.EXISTS;
      default:
        return null;
    }
  }

  @Override
  public CompletionStage<Boolean> delete(Key key) {
    long now = ticker.millis();
    boolean[] removed = new boolean[1];
    map.computeIfPresent(
        key,
        (k, old) -> {
          removed[0] = !old.isExpiredAt(now);
          return null;
        });
    return removed[0] ? TRUE : FALSE;
  }

  @Override
  public CompletionStage<Outcome> delete(Key key, DeleteOptions options) {
    long now = ticker.millis();
    Outcome[] outcome = {Outcome.NOT_FOUND};
    map.computeIfPresent(
        key,
        (k, old) -> {
          if (old.isExpiredAt(now)) {
            return null;
          }
          if (options.compareCas() && old.cas() != options.expectedCas()) {
            outcome[0] = Outcome.EXISTS;
            return old;
          }
          outcome[0] = Outcome.STORED;
          if (!options.invalidate()) {
            return null;
          }
          long expiresAt = options.expiresAt() == NOT_SET ? old.expiresAt() : options.expiresAt();
          Entry stale =
              new Entry(old.value(), old.flags(), nextCas(), expiresAt,
                  Entry.staleState(old.accessState()));
          return stale.isExpiredAt(now) ? null : stale;
        });
    return CompletableFuture.completedFuture(outcome[0]);
  }

  @Override
  public CompletionStage<Boolean> exists(Key key) {
    return live(key, ticker.millis()) != null ? TRUE : FALSE;
  }

  @Override
  public CompletionStage<Long> incrementBy(Key key, long delta) {
    long now = ticker.millis();
    long[] result = new long[1];
    try {
      map.compute(
          key,
          (k, old) -> {
            old = liveInHeap(old, now);
            long current;
            try {
              current = old == null ? 0 : Numbers.parseRedisLong(old.value());
            } catch (NumberFormatException e) {
              throw new NotAnIntegerException();
            }
            long next;
            try {
              next = Math.addExact(current, delta);
            } catch (ArithmeticException e) {
              throw new IncrementOverflowException();
            }
            result[0] = next;
            return rewritten(old, Numbers.toBytes(next), now);
          });
    } catch (NotAnIntegerException | IncrementOverflowException | ChunkedValueException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(result[0]);
  }

  @Override
  public CompletionStage<Long> incrementUnsigned(Key key, long delta, boolean decrement) {
    return incrementUnsigned(key, delta, decrement, CounterOptions.NONE)
        .thenApply(r -> r.outcome() == Outcome.STORED ? r.value() : null);
  }

  @Override
  public CompletionStage<CounterResult> incrementUnsigned(
      Key key, long delta, boolean decrement, CounterOptions options) {
    long now = ticker.millis();
    CounterResult[] result = {new CounterResult(Outcome.NOT_FOUND, null, 0, false)};
    try {
      map.compute(
          key,
          (k, old) -> {
            old = liveInHeap(old, now);
            if (old == null) {
              if (options.vivifyExpiresAt() == NOT_SET) {
                return null;
              }
              Entry created =
                  newEntry(
                      Numbers.toUnsignedBytes(options.initial()), 0, options.vivifyExpiresAt(), now);
              result[0] = new CounterResult(Outcome.STORED, created, options.initial(), true);
              return created.isExpiredAt(now) ? null : created;
            }
            if (options.compareCas() && old.cas() != options.expectedCas()) {
              result[0] = new CounterResult(Outcome.EXISTS, null, 0, false);
              return old;
            }
            long current;
            try {
              current = Numbers.parseUnsignedLong(old.value(), 0, old.heldBytes());
            } catch (NumberFormatException e) {
              throw new NotAnIntegerException();
            }
            long next;
            if (!decrement) {
              next = current + delta;
            } else {
              next = Long.compareUnsigned(current, delta) < 0 ? 0 : current - delta;
            }
            long expiresAt =
                options.touchExpiresAt() == NOT_SET ? old.expiresAt() : options.touchExpiresAt();
            Entry entry = newEntry(Numbers.toUnsignedBytes(next), old.flags(), expiresAt, now);
            result[0] = new CounterResult(Outcome.STORED, entry, next, false);
            return entry.isExpiredAt(now) ? null : entry;
          });
    } catch (NotAnIntegerException | ChunkedValueException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(result[0]);
  }

  @Override
  public CompletionStage<ConcatResult> concat(Key key, byte[] part, ConcatOptions options) {
    long now = ticker.millis();
    ConcatResult[] result = {NOT_CONCATENATED};
    try {
      map.compute(
          key,
          (k, old) -> {
            old = liveInHeap(old, now);
            if (old == null) {
              if (!options.createIfAbsent()
                  || (options.maxLength() != NOT_SET && part.length > options.maxLength())) {
                return null;
              }
              Entry created = newEntry(part, 0, Entry.NO_EXPIRY, now);
              result[0] = new ConcatResult(Outcome.STORED, part.length, created.cas());
              return created;
            }
            if (options.expectedCas() != 0 && old.cas() != options.expectedCas()) {
              result[0] = new ConcatResult(Outcome.EXISTS, 0, 0);
              return old;
            }
            long length = (long) old.length() + part.length;
            if ((options.maxLength() != NOT_SET && length > options.maxLength())
                || length > Integer.MAX_VALUE - 8) {
              return old;
            }
            byte[] value = new byte[(int) length];
            byte[] first = options.prepend() ? part : old.value();
            byte[] second = options.prepend() ? old.value() : part;
            System.arraycopy(first, 0, value, 0, first.length);
            System.arraycopy(second, 0, value, first.length, second.length);
            Entry written = newEntry(value, old.flags(), old.expiresAt(), now);
            result[0] = new ConcatResult(Outcome.STORED, length, written.cas());
            return written;
          });

    } catch (ChunkedValueException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(result[0]);
  }

  @Override
  public CompletionStage<Boolean> expire(Key key, long expiresAt, ExpireCondition condition) {
    long now = ticker.millis();
    boolean[] changed = new boolean[1];
    map.computeIfPresent(
        key,
        (k, old) -> {
          if (old.isExpiredAt(now)) {
            return null;
          }
          if (!condition.allows(old.expiresAt(), expiresAt)) {
            return old;
          }
          changed[0] = true;
          if (expiresAt != Entry.NO_EXPIRY && expiresAt <= now) {
            return null;
          }
          return old.withExpiry(expiresAt);
        });
    return changed[0] ? TRUE : FALSE;
  }

  @Override
  public CompletionStage<Long> ttl(Key key) {
    long now = ticker.millis();
    Entry e = live(key, now);
    long ttl;
    if (e == null) {
      ttl = TTL_ABSENT;
    } else if (!e.hasExpiry()) {
      ttl = TTL_NONE;
    } else {
      ttl = e.expiresAt() - now;
    }
    return CompletableFuture.completedFuture(ttl);
  }

  @Override
  public CompletionStage<Entry> getAndTouch(Key key, long expiresAt) {
    long now = ticker.millis();
    Entry[] result = new Entry[1];
    map.computeIfPresent(
        key,
        (k, old) -> {
          if (old.isExpiredAt(now)) {
            return null;
          }
          if (expiresAt != Entry.NO_EXPIRY && expiresAt <= now) {
            result[0] = old;
            old.recordAccess(now);
            return null;
          }
          result[0] = old.expiresAt() == expiresAt ? old : old.withExpiry(expiresAt);
          result[0].recordAccess(now);
          return result[0];
        });
    return CompletableFuture.completedFuture(result[0]);
  }

  @Override
  public CompletionStage<Entry> getAndDelete(Key key) {
    long now = ticker.millis();
    Entry removed = map.remove(key);
    return CompletableFuture.completedFuture(
        removed == null || removed.isExpiredAt(now) ? null : removed);
  }

  @Override
  public CompletionStage<Long> setRange(Key key, long offset, byte[] bytes) {
    long now = ticker.millis();
    long[] length = new long[1];
    try {
      map.compute(
          key,
          (k, old) -> {
            old = liveInHeap(old, now);
            if (bytes.length == 0) {
              length[0] = old == null ? 0 : old.length();
              return old;
            }
            int oldLength = old == null ? 0 : old.heldBytes();
            int newLength = (int) Math.max(oldLength, offset + bytes.length);
            byte[] value =
                old == null ? new byte[newLength] : Arrays.copyOf(old.value(), newLength);
            System.arraycopy(bytes, 0, value, (int) offset, bytes.length);
            length[0] = newLength;
            return rewritten(old, value, now);
          });

    } catch (ChunkedValueException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(length[0]);
  }

  @Override
  public CompletionStage<java.util.List<Long>> bitField(Key key, BitField field) {
    long now = ticker.millis();
    Long[][] results = new Long[1][];
    long grown = field.lengthAfterWrites();
    try {
      if (!field.writes()) {
        Entry e = inHeap(live(key, now));
        if (e != null) {
          accessed(key, e, now);
        }
        // Reads only: the value as it is (entries are immutable), zeros past its end.
        results[0] = field.apply(e == null ? new byte[0] : e.value(), 0);
      } else {
        map.compute(
            key,
            (k, old) -> {
              old = liveInHeap(old, now);
              int oldLength = old == null ? 0 : old.heldBytes();
              byte[] value = old == null ? new byte[(int) grown]
                  : Arrays.copyOf(old.value(), (int) Math.max(oldLength, grown));
              results[0] = field.apply(value, 0);
              if (old != null && value.length == oldLength
                  && Arrays.equals(value, old.value())) {
                old.recordAccess(now);
                return old; // nothing changed (a GET, or a write that failed on overflow)
              }
              return rewritten(old, value, now);
            });
      }
    } catch (ChunkedValueException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(java.util.Arrays.asList(results[0]));
  }

  @Override
  public CompletionStage<byte[]> incrementByFloat(Key key, byte[] increment) {
    long now = ticker.millis();
    byte[][] result = new byte[1][];
    try {
      map.compute(
          key,
          (k, old) -> {
            old = liveInHeap(old, now);
            byte[] next = Numbers.addRedisFloat(old == null ? null : old.value(), increment);
            result[0] = next;
            return rewritten(old, next, now);
          });
    } catch (NotAFloatException | NotFiniteException | ChunkedValueException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(result[0]);
  }

  @Override
  public CompletionStage<Outcome> rename(Key from, Key to, boolean onlyIfAbsent) {
    long now = ticker.millis();
    Entry source = live(from, now);
    if (source == null) {
      return CompletableFuture.completedFuture(Outcome.NOT_FOUND);
    }
    if (from.equals(to)) {
      return CompletableFuture.completedFuture(onlyIfAbsent ? Outcome.NOT_STORED : Outcome.STORED);
    }
    Outcome outcome = copyEntry(source, to, !onlyIfAbsent, now);
    if (outcome == Outcome.STORED) {
      moves.remove(from, source); // moved, not dropped: a chunked value's chunks stay in use
    }
    return CompletableFuture.completedFuture(outcome);
  }

  @Override
  public CompletionStage<Outcome> copy(Key from, Key to, boolean replace) {
    long now = ticker.millis();
    Entry source = live(from, now);
    if (source == null) {
      return CompletableFuture.completedFuture(Outcome.NOT_FOUND);
    }
    if (source.isChunked()) {
      return CompletableFuture.failedFuture(ChunkedValueException.INSTANCE);
    }
    return CompletableFuture.completedFuture(copyEntry(source, to, replace, now));
  }

  /**
   * Writes a copy of {@code source} (value, flags, expiry, whether chunked; a new CAS) under
   * {@code to}.
   */
  private Outcome copyEntry(Entry source, Key to, boolean replace, long now) {
    Outcome[] outcome = {Outcome.STORED};
    map.compute(
        to,
        (k, old) -> {
          if (!replace && old != null && !old.isExpiredAt(now)) {
            outcome[0] = Outcome.NOT_STORED;
            return old;
          }
          int state = Entry.writtenAt(now);
          return new Entry(source.value(), source.flags(), nextCas(), source.expiresAt(),
              source.isChunked() ? Entry.chunkedState(state) : state);
        });
    return outcome[0];
  }

  @Override
  public CompletionStage<ScanPage> scan(long cursor, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
    }
    return CompletableFuture.completedFuture(scans.next(cursor, count, ticker.millis()));
  }

  @Override
  public CompletionStage<Key> randomKey() {
    long now = ticker.millis();
    long size = cache.estimatedSize();
    if (size == 0) {
      return CompletableFuture.completedFuture(null);
    }
    // Caffeine offers no random access: walk to a random position, then take the first live key
    // from there (wrapping once), so a live key is found whenever one exists. O(n) in the worst
    // case, as Redis's RANDOMKEY can be with many expired keys.
    long skip = ThreadLocalRandom.current().nextLong(size);
    Key fallback = null;
    long index = 0;
    for (Map.Entry<Key, Entry> e : map.entrySet()) {
      if (e.getValue().isExpiredAt(now)) {
        continue;
      }
      if (index++ >= skip) {
        return CompletableFuture.completedFuture(e.getKey());
      }
      if (fallback == null) {
        fallback = e.getKey();
      }
    }
    return CompletableFuture.completedFuture(fallback);
  }

  @Override
  public CompletionStage<Long> size() {
    return CompletableFuture.completedFuture(cache.estimatedSize());
  }

  @Override
  public StoreStats stats() {
    return StoreStats.memoryOnly(
        cache.estimatedSize(),
        expiring.at(ticker.millis()),
        weightedSize(),
        maximumBytes,
        evictions.sum(),
        expirations.sum(),
        hits.sum(),
        misses.sum());
  }

  @Override
  public CompletionStage<Void> flush() {
    tallied.clear();
    cache.cleanUp(); // Caffeine's pending maintenance, as invalidateAll runs it
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Builds a {@link MemoryStore}. Each option may be set once; a second call throws {@link
   * IllegalStateException}, a bad value {@link IllegalArgumentException}. Not thread-safe.
   */
  public static final class Builder {
    private long maximumBytes = -1;
    private Ticker ticker;
    private Executor executor;
    private ScheduledExecutorService expiryScheduler;
    private LowerTier lowerTier;
    private ChunkReleaser chunkReleaser;
    private KeyChanges keyChanges;
    private long casFloor = -1;

    private Builder() {}

    /**
     * Bounds the tier by weight: key and value bytes plus {@link #ENTRY_OVERHEAD} per entry.
     *
     * @param bytes the bound in bytes, at least 0
     */
    public Builder maximumBytes(long bytes) {
      if (maximumBytes != -1) {
        throw new IllegalStateException("maximumBytes was already set to " + maximumBytes);
      }
      if (bytes < 0) {
        throw new IllegalArgumentException("maximumBytes: " + bytes + " (expected: >= 0)");
      }
      maximumBytes = bytes;
      return this;
    }

    /**
     * Sets the time source for expiry; defaults to {@link Ticker#system()}.
     *
     * @param ticker the ticker, must not be {@code null}
     */
    public Builder ticker(Ticker ticker) {
      this.ticker = setOnce(this.ticker, ticker, "ticker");
      return this;
    }

    /**
     * Sets the executor for Caffeine's maintenance work (eviction); defaults to Caffeine's
     * ({@code ForkJoinPool.commonPool()}). {@code Runnable::run} makes it deterministic in tests.
     *
     * @param executor the executor, must not be {@code null}
     */
    public Builder executor(Executor executor) {
      this.executor = setOnce(this.executor, executor, "executor");
      return this;
    }

    /**
     * Turns on the active expiry sweep ({@link ActiveExpiry}): every {@value
     * ActiveExpiry#PERIOD_MILLIS} ms the scheduler runs one, which visits at least {@value
     * ActiveExpiry#VISITS} of the keys that carry an expiry time and goes on while a tenth or more
     * of them turn out expired, for at most a quarter of the period. Without it, expired entries
     * are reclaimed when written, evicted by size, or by {@link #cleanUp()}.
     *
     * @param scheduler the scheduler, must not be {@code null}; the caller shuts it down
     */
    public Builder activeExpiry(ScheduledExecutorService scheduler) {
      this.expiryScheduler = setOnce(this.expiryScheduler, scheduler, "activeExpiry");
      return this;
    }

    /**
     * Puts a lower tier under this one: keys absent from memory are looked up there by every
     * operation, and entries evicted by size are handed to it (see {@link LowerTier}).
     *
     * @param lowerTier the tier below, must not be {@code null}
     */
    public Builder lowerTier(LowerTier lowerTier) {
      this.lowerTier = setOnce(this.lowerTier, lowerTier, "lowerTier");
      return this;
    }

    /**
     * Sets who is told when a {@link Entry#isChunked() chunked} entry stops being its key's value
     * (see the class documentation); defaults to {@link ChunkReleaser#NONE}.
     *
     * @param releaser the releaser, must not be {@code null}
     */
    public Builder chunkReleaser(ChunkReleaser releaser) {
      this.chunkReleaser = setOnce(this.chunkReleaser, releaser, "chunkReleaser");
      return this;
    }

    /**
     * Sets who is told of keys that leave this tier on their own: expired, or evicted by size,
     * also into a tier below (the lower tier reports nothing, so a key is reported when it leaves
     * memory: a client caching it reads it again, from the lower tier). Changes made by
     * operations are reported by {@link io.sidecache.store.NotifyingStore}. Defaults to {@link
     * KeyChanges#NONE}.
     *
     * @param changes told on the thread that evicts (Caffeine's maintenance, see {@link
     *     #executor}), writes or sweeps; must not block
     */
    public Builder keyChanges(KeyChanges changes) {
      this.keyChanges = setOnce(this.keyChanges, changes, "keyChanges");
      return this;
    }

    /**
     * Makes every CAS version this store hands out greater than {@code cas}, e.g. the highest CAS
     * of a disk tier opened after a restart, so that versions stay unique per write across it.
     *
     * @param cas the highest CAS in use, at least 0; defaults to 0
     */
    public Builder casFloor(long cas) {
      if (casFloor != -1) {
        throw new IllegalStateException("casFloor was already set to " + casFloor);
      }
      if (cas < 0) {
        throw new IllegalArgumentException("casFloor: " + cas + " (expected: >= 0)");
      }
      casFloor = cas;
      return this;
    }

    /** Returns {@code value} for an option not set before; the checks every setter shares. */
    private static <T> T setOnce(T current, T value, String option) {
      if (current != null) {
        throw new IllegalStateException(option + " was already set");
      }
      if (value == null) {
        throw new NullPointerException(option);
      }
      return value;
    }

    /**
     * Returns the store.
     *
     * @throws IllegalStateException if {@link #maximumBytes(long)} was not called
     */
    public MemoryStore build() {
      if (maximumBytes == -1) {
        throw new IllegalStateException("maximumBytes must be set");
      }
      if (ticker == null) {
        ticker = Ticker.system();
      }
      if (casFloor == -1) {
        casFloor = 0;
      }
      if (chunkReleaser == null) {
        chunkReleaser = ChunkReleaser.NONE;
      }
      return new MemoryStore(this);
    }
  }
}
