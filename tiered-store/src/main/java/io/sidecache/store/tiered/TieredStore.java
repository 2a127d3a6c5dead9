package io.sidecache.store.tiered;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.ConcatResult;
import io.sidecache.store.CounterOptions;
import io.sidecache.store.CounterResult;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.DiskStats;
import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.ExpiryTally;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.FetchResult;
import io.sidecache.store.Key;
import io.sidecache.store.ScanPage;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.StoreException;
import io.sidecache.store.StoreStats;
import io.sidecache.store.Ticker;
import io.sidecache.store.ValueSlice;
import io.sidecache.store.disk.DiskFaultException;
import io.sidecache.store.chunk.ChunkReclaimer;
import io.sidecache.store.chunk.ChunkReleaser;
import io.sidecache.store.chunk.ChunkStore;
import io.sidecache.store.disk.DiskTier;
import io.sidecache.store.memory.LowerTier;
import io.sidecache.store.memory.MemoryStore;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tiered store: a {@link MemoryStore} over a {@link DiskTier}, one keyspace.
 *
 * <p><b>Tiers are exclusive.</b> A key's current entry is in exactly one place: the memory tier,
 * the demotion hand-off ({@code pending}: evicted, waiting for the disk thread), or the disk tier,
 * checked in that order. An entry the memory tier evicts by size is handed over inside the
 * eviction (Caffeine's {@code evictionListener}), so a key is never in none of them; the disk
 * thread writes it and only then lets go of the hand-off copy. When the hand-off already holds
 * {@link #PENDING_BYTES_DEFAULT its byte bound}, the demotion is shed and counted: that entry is
 * lost (a miss, never an older value), and eviction never waits. Before it comes to that, writes
 * slow down: while the hand-off is more than half full they queue behind the demotions (see
 * {@link #write}).
 *
 * <p><b>Operations.</b> Every operation keeps the memory tier's semantics (the memory tier runs
 * it, inside the key's atomic {@code compute}). When neither the hand-off nor the disk tier's
 * index can hold the key (an in-memory check), it runs on the caller's thread and completes
 * before returning, as the memory tier alone does. Otherwise it runs on the one disk thread: the
 * key's record is read and verified first, then the operation runs with the lower entry standing
 * in for the absent key ({@link LowerTier#resolve}); its result is installed in memory (the key is
 * promoted, on every access) and the lower copies are removed before the stage completes, so an
 * acknowledged overwrite or delete never lets an older copy be served, before or after a restart.
 * Read-modify-writes are atomic per key across tiers: the memory tier's compute and the disk
 * thread serialise them against demotion and promotion. The disk thread never holds a memory-tier
 * lock while it reads or writes the file.
 *
 * <p><b>Shutdown.</b> {@link #close()} moves every memory entry to the disk tier and closes it
 * cleanly, so a restart on the same directory serves the same keys with their flags, CAS and
 * expiry.
 *
 * <p>Thread-safe. Stages that complete on the disk thread complete there; protocol handlers hop
 * back to their event loop.
 */
public final class TieredStore implements CacheStore, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TieredStore.class);

  /** The default bound of the demotion hand-off, in bytes of pending entries. */
  public static final long PENDING_BYTES_DEFAULT = 16L * 1024 * 1024;

  private static final StoreException CLOSED = new StoreException("store is closed");

  /** Records the disk tier's expiry sweep looks at per second. */
  static final int SWEEP_RECORDS = 1000;

  /** Thrown inside a memory operation off the disk thread when the key may live below. */
  private static final RuntimeException NEEDS_DISK = new NeedsDisk();

  private final MemoryStore memory;
  private final DiskTier disk;
  private final TieredChunkStore chunks;
  private final ChunkReclaimer reclaimer;
  private final Ticker ticker;
  private final ScheduledExecutorService diskThread;
  // Each hand-off is its own object: an entry evicted, taken back and evicted again is a new one.
  private final ConcurrentHashMap<Key, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicLong pendingBytes = new AtomicLong();
  /** The pending entries that carry an expiry time. */
  private final ExpiryTally pendingExpiring;
  private final long maxPendingBytes;
  private final ThreadLocal<DiskOp> current = new ThreadLocal<>();
  private final Cache<Long, Iterator<Key>> diskScans =
      Caffeine.newBuilder().maximumSize(1024).expireAfterAccess(Duration.ofMinutes(10)).build();
  private final AtomicLong nextDiskScan = new AtomicLong(1);
  private final LongAdder demotions = new LongAdder();
  private final LongAdder shedDemotions = new LongAdder();
  private final LongAdder promotions = new LongAdder();
  private volatile boolean closed;

  private TieredStore(MemoryStore.Builder memoryBuilder, DiskTier disk, LateReleaser releaser,
      long chunkMemoryBytes, Ticker ticker, long maxPendingBytes) {
    this.disk = disk;
    this.ticker = ticker;
    this.pendingExpiring = new ExpiryTally(ticker.millis());
    this.maxPendingBytes = maxPendingBytes;
    this.diskThread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sidecache-disk");
      t.setDaemon(true);
      return t;
    });
    // The expiry sweep of the disk tier: 1,000 records a second, between the other work.
    diskThread.scheduleWithFixedDelay(() -> disk.sweepExpired(SWEEP_RECORDS), 1, 1,
        TimeUnit.SECONDS);
    this.chunks = new TieredChunkStore(chunkMemoryBytes, disk, diskThread);
    this.reclaimer = new ChunkReclaimer(chunks, ticker);
    releaser.target = reclaimer;
    reclaimer.start(diskThread);
    this.memory = memoryBuilder.ticker(ticker).casFloor(disk.maxCas()).lowerTier(new Lower())
        .chunkReleaser(reclaimer).build();
  }

  /**
   * Opens the tiered store: the disk tier under {@code dir} (rebuilt from its file, see {@link
   * DiskTier#open}) and a memory tier from {@code memoryBuilder} on top of it.
   *
   * @param memoryBuilder the memory tier's settings (bound, maintenance executor, active expiry);
   *     the ticker, CAS floor and lower tier are set here and must not have been
   * @param dir the disk tier's directory
   * @param diskBytes the disk tier's bound in bytes, at least 1
   * @param maxPendingBytes the bound of the demotion hand-off, in bytes, at least 1
   * @param chunkMemoryBytes the bound of the memory cache of chunks (of chunked values), in
   *     bytes, at least 0
   * @param ticker the clock, in milliseconds since the epoch
   * @return the store
   * @throws IOException if the directory cannot be created or written
   */
  public static TieredStore open(MemoryStore.Builder memoryBuilder, Path dir, long diskBytes,
      long maxPendingBytes, long chunkMemoryBytes, Ticker ticker) throws IOException {
    if (maxPendingBytes < 1) {
      throw new IllegalArgumentException(
          "maxPendingBytes: " + maxPendingBytes + " (expected: >= 1)");
    }
    LateReleaser releaser = new LateReleaser();
    return new TieredStore(memoryBuilder, DiskTier.open(dir, diskBytes, ticker, releaser),
        releaser, chunkMemoryBytes, ticker, maxPendingBytes);
  }

  /**
   * The disk tier's releaser: the reclaimer, which is made after the disk tier it frees chunks
   * from. Nothing is released before (the tier is opened on this thread and only then used).
   */
  private static final class LateReleaser implements ChunkReleaser {
    volatile ChunkReclaimer target;

    @Override
    public void released(Entry old, Entry replacement) {
      target.released(old, replacement);
    }

    @Override
    public boolean pinned(long generation) {
      return target != null && target.pinned(generation);
    }
  }

  /**
   * Returns the reclaimer of this store's chunks, which holds its {@link ChunkStore}: what a
   * {@link io.sidecache.store.chunk.ChunkedStore} on top of this store is built with.
   */
  public ChunkReclaimer chunkReclaimer() {
    return reclaimer;
  }

  /** Returns the memory tier, for its counters. */
  public MemoryStore memoryTier() {
    return memory;
  }

  /** Returns the disk tier, for its counters; its methods other than counters are not for use. */
  public DiskTier diskTier() {
    return disk;
  }

  /** Returns the number of entries written to disk after eviction from memory. */
  public long demotions() {
    return demotions.sum();
  }

  /** Returns the number of evicted entries dropped: the hand-off was full or the write failed. */
  public long shedDemotions() {
    return shedDemotions.sum();
  }

  /** Returns the number of keys brought back to memory from below. */
  public long promotions() {
    return promotions.sum();
  }

  /** Returns the bytes of evicted entries waiting to be written to disk. */
  public long pendingBytes() {
    return pendingBytes.get();
  }

  private boolean mayBeBelow(Key key) {
    return disk.mayContain(key) || pending.containsKey(key);
  }

  private static long weight(Key key, Entry e) {
    return (long) key.length() + e.heldBytes() + MemoryStore.ENTRY_OVERHEAD;
  }

  // ---- routing

  /** Runs a memory operation on {@code key}: inline when nothing is below, else on disk. */
  private <T> CompletionStage<T> run(Key key, Supplier<CompletionStage<T>> op) {
    return route(key, false, false, op);
  }

  /**
   * Runs an operation that may add bytes to the memory tier (and so evict): as {@link #run(Key,
   * Supplier)}, but while the hand-off is more than half full it queues on the disk thread behind
   * the demotions, so its stage completes only once the disk has caught up. That is the
   * back-pressure on writers: their connections wait (reading paused) instead of the store
   * shedding demotions or buffering without bound.
   *
   * @param blind whether the operation ignores the key's current value (a plain SET): then no
   *     disk read is needed, the lower copy is only removed
   */
  private <T> CompletionStage<T> write(Key key, boolean blind, Supplier<CompletionStage<T>> op) {
    return route(key, true, blind, op);
  }

  /**
   * Where an operation on one key runs: inline when the key cannot be below memory (and, for a
   * write, the hand-off is at most half full), else on the disk thread. An operation that finds
   * out inline that its key was demoted meanwhile ({@link NeedsDisk}) is retried there.
   */
  private <T> CompletionStage<T> route(Key key, boolean write, boolean blind,
      Supplier<CompletionStage<T>> op) {
    boolean toDisk = mayBeBelow(key) || (write && pendingBytes.get() > maxPendingBytes / 2);
    // Inline, an operation must fail before it changes anything when it meets a key below
    // (NeedsDisk); every single-key operation of the memory tier does, its first map access
    // being the one that can meet it. (Rename and copy do not: see rename.)
    if (!toDisk) {
      try {
        return op.get();
      } catch (NeedsDisk raced) {
        // demoted between the check and the operation
      }
    }
    return onDisk(key, null, blind, op);
  }

  /**
   * Runs a memory operation on the disk thread; {@code blind} for one that ignores the key's
   * current value (a plain SET): no disk read, the lower copy is only removed.
   */
  private <T> CompletionStage<T> onDisk(Key a, Key b, boolean blind,
      Supplier<CompletionStage<T>> op) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      diskThread.execute(() -> runOnDisk(a, b, blind, op, result));
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(CLOSED);
    }
    return result;
  }

  private <T> void runOnDisk(Key a, Key b, boolean blind, Supplier<CompletionStage<T>> op,
      CompletableFuture<T> result) {
    DiskOp context = new DiskOp(blind);
    CompletionStage<T> stage;
    try {
      if (!blind) {
        context.prefetch(a);
        if (b != null) {
          context.prefetch(b);
        }
      }
      current.set(context);
      try {
        stage = op.get();
      } finally {
        current.remove();
      }
      retire(context);
    } catch (RuntimeException | Error e) {
      // Every failure completes the stage: a connection never waits for an answer that cannot come.
      result.completeExceptionally(e);
      return;
    }
    stage.whenComplete((v, t) -> {
      if (t != null) {
        result.completeExceptionally(t);
      } else {
        result.complete(v);
      }
    });
  }

  /** Removes the lower copies an operation superseded; runs on the disk thread. */
  private void retire(DiskOp context) {
    for (Key key : context.superseded) {
      Pending consumed = context.consumed.get(key);
      if (consumed != null) {
        releasePending(key, consumed);
      }
      boolean removed;
      try {
        // A blind write replaced the disk copy unread: a chunked one's chunks are released.
        removed = disk.remove(key, context.blind);
      } catch (DiskFaultException e) {
        if (context.blind || context.prefetched.get(key) != null) {
          // A readable older copy stays behind: do not acknowledge what a restart could undo.
          throw e;
        }
        // The record could not even be read (a damaged file): it is never served, a miss.
        removed = false;
      }
      if ((consumed != null || removed) && context.promoted.contains(key)) {
        promotions.increment();
      }
    }
  }

  private void releasePending(Key key, Pending handOff) {
    if (pending.remove(key, handOff)) {
      pendingBytes.addAndGet(-handOff.weight);
      pendingExpiring.replaced(handOff.entry, null);
    }
  }

  /** One evicted entry on its way to disk. */
  private static final class Pending {
    final Entry entry;
    final long weight;

    Pending(Entry entry, long weight) {
      this.entry = entry;
      this.weight = weight;
    }
  }

  /** Writes an evicted entry to disk unless an operation took it back meanwhile. */
  private void demote(Key key, Pending handOff) {
    if (pending.get(key) != handOff) {
      return;
    }
    Entry entry = handOff.entry;
    boolean written = !entry.isExpiredAt(ticker.millis()) && disk.write(key, entry);
    // Written first, released second: the key is in the index before it leaves the hand-off.
    releasePending(key, handOff);
    if (written) {
      demotions.increment();
    } else {
      shedDemotions.increment();
      dropped(entry);
    }
  }

  /** What one operation on the disk thread read from disk and took from the hand-off. */
  private final class DiskOp {
    final boolean blind;
    final Map<Key, Entry> prefetched = new HashMap<>(4);
    final Map<Key, Pending> consumed = new HashMap<>(4);
    final Set<Key> superseded = new HashSet<>(4);
    final Set<Key> promoted = new HashSet<>(4);

    DiskOp(boolean blind) {
      this.blind = blind;
    }

    void prefetch(Key key) {
      if (!prefetched.containsKey(key)) {
        prefetched.put(key, disk.read(key));
      }
    }
  }

  /** The memory tier's view of what lies below it. */
  private final class Lower implements LowerTier {
    @Override
    public Entry resolve(Key key) {
      DiskOp context = current.get();
      if (context == null) {
        if (mayBeBelow(key)) {
          throw NEEDS_DISK;
        }
        return null;
      }
      Pending p = pending.get(key);
      if (p != null) {
        context.consumed.put(key, p);
        return p.entry.isExpiredAt(ticker.millis()) ? null : p.entry;
      }
      if (context.blind) {
        return null; // the operation overwrites whatever is below without reading it
      }
      // An unexpected key is read here, under the memory tier's lock: only on this thread.
      context.prefetch(key);
      return context.prefetched.get(key);
    }

    @Override
    public void superseded(Key key, boolean promoted) {
      DiskOp context = current.get();
      if (context != null) {
        context.superseded.add(key);
        if (promoted) {
          context.promoted.add(key);
        }
      }
    }

    @Override
    public void evicted(Key key, Entry entry) {
      if (closed) {
        return; // closing: what is still in memory is written to disk by close()
      }
      if (entry.isExpiredAt(ticker.millis())) {
        dropped(entry);
        return;
      }
      Pending handOff = new Pending(entry, weight(key, entry));
      if (pendingBytes.addAndGet(handOff.weight) > maxPendingBytes) {
        pendingBytes.addAndGet(-handOff.weight);
        shedDemotions.increment();
        dropped(entry);
        return;
      }
      Pending replaced = pending.put(key, handOff);
      if (replaced != null) {
        pendingBytes.addAndGet(-replaced.weight);
      }
      pendingExpiring.replaced(replaced == null ? null : replaced.entry, entry);
      try {
        diskThread.execute(() -> demote(key, handOff));
      } catch (RejectedExecutionException e) {
        releasePending(key, handOff);
        shedDemotions.increment();
      }
    }
  }

  /** An evicted entry that left the store for good: a chunked one's chunks are freed. */
  private void dropped(Entry entry) {
    if (entry.isChunked()) {
      reclaimer.released(entry, null);
    }
  }

  /** The key may live below; retry on the disk thread. Preallocated, no stack trace. */
  private static final class NeedsDisk extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NeedsDisk() {
      super("key may live below the memory tier", null, false, false);
    }
  }

  // ---- CacheStore

  @Override
  public CompletionStage<Entry> get(Key key) {
    return run(key, () -> memory.get(key));
  }

  @Override
  public CompletionStage<FetchResult> fetch(Key key, FetchOptions options) {
    return run(key, () -> memory.fetch(key, options));
  }

  @Override
  public CompletionStage<ValueSlice> getRange(Key key, long start, long end) {
    return run(key, () -> memory.getRange(key, start, end));
  }

  @Override
  public CompletionStage<SetResult> set(Key key, byte[] value, SetOptions options) {
    boolean blind = options.condition() == SetOptions.Condition.ALWAYS && !options.keepTtl()
        && !options.returnPrevious();
    return write(key, blind, () -> memory.set(key, value, options));
  }

  @Override
  public CompletionStage<Boolean> delete(Key key) {
    return run(key, () -> memory.delete(key));
  }

  @Override
  public CompletionStage<SetResult.Outcome> delete(Key key, DeleteOptions options) {
    return run(key, () -> memory.delete(key, options));
  }

  @Override
  public CompletionStage<Boolean> exists(Key key) {
    return run(key, () -> memory.exists(key));
  }

  @Override
  public CompletionStage<Long> incrementBy(Key key, long delta) {
    return write(key, false, () -> memory.incrementBy(key, delta));
  }

  @Override
  public CompletionStage<Long> incrementUnsigned(Key key, long delta, boolean decrement) {
    return write(key, false, () -> memory.incrementUnsigned(key, delta, decrement));
  }

  @Override
  public CompletionStage<CounterResult> incrementUnsigned(
      Key key, long delta, boolean decrement, CounterOptions options) {
    return write(key, false, () -> memory.incrementUnsigned(key, delta, decrement, options));
  }

  @Override
  public CompletionStage<ConcatResult> concat(Key key, byte[] part, ConcatOptions options) {
    return write(key, false, () -> memory.concat(key, part, options));
  }

  @Override
  public CompletionStage<Boolean> expire(Key key, long expiresAt, ExpireCondition condition) {
    return run(key, () -> memory.expire(key, expiresAt, condition));
  }

  @Override
  public CompletionStage<Long> ttl(Key key) {
    return run(key, () -> memory.ttl(key));
  }

  @Override
  public CompletionStage<Entry> getAndTouch(Key key, long expiresAt) {
    return run(key, () -> memory.getAndTouch(key, expiresAt));
  }

  @Override
  public CompletionStage<Entry> getAndDelete(Key key) {
    return run(key, () -> memory.getAndDelete(key));
  }

  @Override
  public CompletionStage<Long> setRange(Key key, long offset, byte[] bytes) {
    return write(key, false, () -> memory.setRange(key, offset, bytes));
  }

  @Override
  public CompletionStage<java.util.List<Long>> bitField(Key key, io.sidecache.store.BitField field) {
    return field.writes() ? write(key, false, () -> memory.bitField(key, field))
        : run(key, () -> memory.bitField(key, field));
  }

  @Override
  public CompletionStage<byte[]> incrementByFloat(Key key, byte[] increment) {
    return write(key, false, () -> memory.incrementByFloat(key, increment));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Always on the disk thread: the memory tier's rename writes the target before it removes
   * the source, and the target's insertion may evict the source; only there can the source be
   * found in the hand-off and the step finish, where inline it would have to start over after a
   * partial effect.
   */
  @Override
  public CompletionStage<SetResult.Outcome> rename(Key from, Key to, boolean onlyIfAbsent) {
    return onDisk(from, to, false, () -> memory.rename(from, to, onlyIfAbsent));
  }

  /** {@inheritDoc} On the disk thread, as {@link #rename}. */
  @Override
  public CompletionStage<SetResult.Outcome> copy(Key from, Key to, boolean replace) {
    return onDisk(from, to, false, () -> memory.copy(from, to, replace));
  }

  /**
   * {@inheritDoc}
   *
   * <p>The memory tier's keys first, then (cursors with bit 62 set) the keys waiting in the
   * hand-off and those on disk, read on the disk thread. A key that moves between tiers during
   * the iteration may be returned twice, never missed.
   */
  @Override
  public CompletionStage<ScanPage> scan(long cursor, int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count: " + count + " (expected: >= 1)");
    }
    if ((cursor & DISK_SCAN) != 0) {
      return onDiskPlain(() -> diskPage(cursor, diskScans.asMap().remove(cursor),
          new ArrayList<>(), count));
    }
    ScanPage page = memory.scan(cursor, count).toCompletableFuture().join();
    if (page.cursor() != 0) {
      return CompletableFuture.completedFuture(page);
    }
    // The memory tier is done: the rest of this page, and the next ones, come from below.
    return onDiskPlain(() -> diskPage(DISK_SCAN | nextDiskScan.getAndIncrement(), null,
        new ArrayList<>(page.keys()), Math.max(1, count - page.keys().size())));
  }

  /**
   * Fills a page from the hand-off and the disk tier, skipping expired records; runs on the disk
   * thread. An unknown cursor starts the lower phase over, as the memory tier does.
   */
  private ScanPage diskPage(long cursor, Iterator<Key> it, List<Key> keys, int count) {
    if (it == null) {
      ArrayDeque<Key> waiting = new ArrayDeque<>(pending.keySet());
      Iterator<Key> onDisk = disk.keys();
      it = new Iterator<>() {
        @Override
        public boolean hasNext() {
          return !waiting.isEmpty() || onDisk.hasNext();
        }

        @Override
        public Key next() {
          return waiting.isEmpty() ? onDisk.next() : waiting.poll();
        }
      };
    }
    long now = ticker.millis();
    for (int visited = 0; visited < count && it.hasNext(); visited++) {
      Key key = it.next();
      Pending p = pending.get(key);
      if (p != null ? !p.entry.isExpiredAt(now) : disk.read(key) != null) {
        keys.add(key);
      }
    }
    if (!it.hasNext()) {
      return new ScanPage(keys, 0);
    }
    diskScans.put(cursor, it);
    return new ScanPage(keys, cursor);
  }

  private static final long DISK_SCAN = 1L << 62;

  /** Runs work that reads the disk tier directly (no memory operation) on the disk thread. */
  private <T> CompletionStage<T> onDiskPlain(Supplier<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      diskThread.execute(() -> {
        try {
          result.complete(work.get());
        } catch (RuntimeException | Error e) {
          result.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(CLOSED);
    }
    return result;
  }

  @Override
  public CompletionStage<Key> randomKey() {
    long inMemory = memory.estimatedSize();
    long below = disk.entries() + pending.size();
    if (below == 0 || (inMemory > 0
        && ThreadLocalRandom.current().nextLong(inMemory + below) < inMemory)) {
      Key k = memory.randomKey().toCompletableFuture().join();
      if (k != null || below == 0) {
        return CompletableFuture.completedFuture(k);
      }
    }
    return onDiskPlain(() -> {
      long now = ticker.millis();
      for (Map.Entry<Key, Pending> p : pending.entrySet()) {
        if (!p.getValue().entry.isExpiredAt(now)) {
          return p.getKey();
        }
      }
      // MapDB offers no random access either: skip a random few, then take the first live key.
      long skip = ThreadLocalRandom.current().nextLong(Math.min(64, Math.max(1, disk.entries())));
      Key fallback = null;
      long index = 0;
      for (Iterator<Key> it = disk.keys(); it.hasNext(); ) {
        Key k = it.next();
        if (disk.read(k) == null) {
          continue;
        }
        if (index++ >= skip) {
          return k;
        }
        if (fallback == null) {
          fallback = k;
        }
      }
      return fallback;
    });
  }

  @Override
  public CompletionStage<Long> size() {
    return CompletableFuture.completedFuture(
        memory.estimatedSize() + pending.size() + disk.entries());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Keys of both tiers and the hand-off; bytes and bound of the memory tier (the disk tier's
   * are in {@link StoreStats#disk()}); evictions count entries that left the store for good (disk
   * evictions and shed demotions), not demotions; expirations count both tiers.
   */
  @Override
  public StoreStats stats() {
    StoreStats m = memory.stats();
    DiskStats d = new DiskStats(disk.entries(), disk.bytes(), disk.maximumBytes(), disk.reads(),
        disk.hits(), disk.bytesRead(), disk.writes(), disk.bytesWritten(), disk.evictions(),
        disk.checksumFailures(), disk.faults(), promotions.sum(), demotions.sum(),
        shedDemotions.sum(), pending.size());
    return new StoreStats(
        m.keys() + pending.size() + disk.entries(),
        m.expiring().plus(pendingExpiring.at(ticker.millis())).plus(disk.expiring()),
        m.usedBytes(),
        m.maximumBytes(),
        d.evictions() + d.shedDemotions(),
        m.expirations() + disk.expirations(),
        m.hits(),
        m.misses(),
        Optional.of(d),
        Optional.of(chunks.stats()));
  }

  @Override
  public CompletionStage<Void> flush() {
    return onDiskPlain(() -> {
      memory.flush();
      // One by one: a demotion racing the flush keeps its bytes and expiry counted.
      pending.forEach(this::releasePending);
      disk.clear();
      return null;
    });
  }

  /**
   * Moves every memory entry and every pending demotion to disk, closes the disk tier cleanly
   * (a restart trusts it) and stops the disk thread; waits for that. Operations after the call
   * fail with a {@link StoreException}.
   *
   * @throws IOException if the clean-shutdown marker cannot be written
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    long start = System.nanoTime();
    CompletableFuture<long[]> done = new CompletableFuture<>();
    diskThread.execute(() -> {
      long[] moved = new long[2];
      try {
        if (disk.failed()) {
          pending.clear();
          disk.close(); // throws: the tier was out of service, nothing to keep
        }
        pending.forEach((k, p) -> {
          if (!p.entry.isExpiredAt(ticker.millis()) && disk.write(k, p.entry)) {
            moved[0]++;
          }
        });
        pending.clear();
        memory.forEachInMemory((k, e) -> {
          if (disk.write(k, e)) {
            moved[1]++;
          }
        });
        disk.close();
        done.complete(moved);
      } catch (IOException | RuntimeException e) {
        done.completeExceptionally(e);
      }
    });
    diskThread.shutdown();
    try {
      long[] moved = done.get();
      log.info("disk tier closed: {} pending and {} memory entries written in {} ms", moved[0],
          moved[1], TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      diskThread.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IllegalStateException("disk tier did not close cleanly", e.getCause());
    }
  }
}
