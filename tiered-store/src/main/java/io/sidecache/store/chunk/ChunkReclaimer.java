package io.sidecache.store.chunk;

import io.sidecache.store.Entry;
import io.sidecache.store.Ticker;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.collections.impl.list.mutable.primitive.LongArrayList;

/**
 * Frees the chunks no value names any more, unless a reader still needs them.
 *
 * <p>A released chunk is freed at once, in ascending order of chunk id, unless a {@link #pin
 * reader} holds its generation; then it is freed by {@link #reclaim()} once the reader lets go.
 * So a reader that streams a value while it is overwritten or deleted reads the old value to its
 * end (DESIGN.md: "old generations are freed once no reader holds them"). A reader pins a value
 * the moment it reads it; if it then finds its first chunk gone (freed before the pin) the value
 * was replaced, and the chunk layer reads the key again. A value a command takes out of the
 * keyspace and then reads (GETDEL, GETSET, SET ... GET) is {@link #lease leased} before the
 * command runs, so its chunks outlive the command long enough for the reader to open. Freeing at
 * once matters: overwriting a large value many times a second must not fill the chunk memory
 * with the chunks of dead values. Generations a writer is still filling are {@link #beginWrite
 * marked} and never freed by {@link #releaseAll}.
 *
 * <p>{@link #reclaim()} runs every second on the executor given to {@link #start}; tests call it
 * directly. Thread-safe; nothing blocks.
 */
public final class ChunkReclaimer implements ChunkReleaser {
  /** How long a {@link #lease} pins a value, in milliseconds. */
  public static final long LEASE_MILLIS = 10_000;

  private final ChunkStore chunks;
  private final Ticker ticker;
  private final ConcurrentLinkedQueue<long[]> held = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Lease> leases = new ConcurrentLinkedQueue<>();
  /** The CAS versions of leased entries, with how many leases each. */
  private final ConcurrentHashMap<Long, int[]> leased = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, int[]> pins = new ConcurrentHashMap<>();
  private final Set<Long> writing = ConcurrentHashMap.newKeySet();
  private final AtomicLong waiting = new AtomicLong();
  private final LongAdder freed = new LongAdder();

  /**
   * Creates a reclaimer.
   *
   * @param chunks the store chunks are freed from
   * @param ticker the clock of the leases, in milliseconds since the epoch
   */
  public ChunkReclaimer(ChunkStore chunks, Ticker ticker) {
    this.chunks = chunks;
    this.ticker = ticker;
  }

  /**
   * Runs {@link #reclaim()} every second on {@code executor}.
   *
   * @param executor the executor, shut down by its owner
   */
  public void start(ScheduledExecutorService executor) {
    executor.scheduleWithFixedDelay(this::reclaim, 1, 1, TimeUnit.SECONDS);
  }

  /** Returns the chunk store chunks are freed from. */
  public ChunkStore chunks() {
    return chunks;
  }

  @Override
  public void released(Entry old, Entry replacement) {
    Manifest before = Manifest.decode(old.value());
    Manifest after = replacement != null && replacement.isChunked()
        ? Manifest.decode(replacement.value()) : null;
    LongArrayList ids = new LongArrayList();
    before.forEachChunkNotIn(after, ids::add);
    free(ids.toArray());
  }

  /**
   * Frees chunks no value names (an abandoned or refused write's, or a flushed store's); pins are
   * respected.
   *
   * @param ids the chunk ids
   */
  public void discard(long[] ids) {
    free(ids);
  }

  /** Frees, in the order given, every chunk whose generation no reader pins; holds the rest. */
  private void free(long[] ids) {
    LongArrayList kept = null;
    int count = 0;
    for (long id : ids) {
      if (pins.containsKey(Manifest.generationOf(id))) {
        if (kept == null) {
          kept = new LongArrayList();
        }
        kept.add(id);
      } else {
        chunks.delete(id);
        count++;
      }
    }
    freed.add(count);
    if (kept != null) {
      held.add(kept.toArray());
      waiting.addAndGet(kept.size());
    }
  }

  /**
   * Marks the start of a {@code FLUSHALL}: the generations handed out so far, less those a writer
   * is still filling, are the ones {@link #releaseAll} frees.
   *
   * @return the mark
   */
  public FlushMark markFlush() {
    return new FlushMark(chunks.newGeneration(), Set.copyOf(writing));
  }

  /** What a flush frees: generations below {@code below}, except {@code writing}. */
  public record FlushMark(long below, Set<Long> writing) {}

  /**
   * Frees every chunk of the generations {@code mark} names, for {@code FLUSHALL}: call it after
   * the keys were removed. Writes in progress at the mark, and everything written after it, are
   * left alone.
   *
   * @param mark what {@link #markFlush} returned when the flush began
   * @return a stage completed when the chunks are freed (or held for their readers)
   */
  public java.util.concurrent.CompletionStage<Void> releaseAll(FlushMark mark) {
    LongArrayList ids = new LongArrayList();
    return chunks.forEachChunk(id -> {
      long g = Manifest.generationOf(id);
      if (g < mark.below() && !mark.writing().contains(g)) {
        synchronized (ids) {
          ids.add(id);
        }
      }
    }).thenRun(() -> {
      synchronized (ids) {
        ids.sortThis();
        free(ids.toArray());
      }
    });
  }

  /**
   * Holds a manifest's generations: their chunks are not freed until {@link #unpin}.
   *
   * @param m the manifest a reader is about to read
   */
  public void pin(Manifest m) {
    m.forEachGeneration(g -> count(pins, g, 1));
  }

  /**
   * Lets go of what {@link #pin} held.
   *
   * @param m the manifest given to {@link #pin}
   */
  public void unpin(Manifest m) {
    m.forEachGeneration(g -> count(pins, g, -1));
  }

  /**
   * Pins a chunked entry's manifest for {@link #LEASE_MILLIS}: for a value a command is about to
   * take out of the keyspace and then read.
   *
   * @param e the chunked entry
   */
  public void lease(Entry e) {
    Manifest m = Manifest.decode(e.value());
    pin(m);
    count(leased, e.cas(), 1);
    leases.add(new Lease(m, e.cas(), ticker.millis() + LEASE_MILLIS));
  }

  /**
   * Tells whether an entry is leased (see {@link #lease}), so its chunks are held even though it
   * may no longer be its key's value.
   *
   * @param cas the entry's CAS version
   * @return {@code true} when a lease holds it
   */
  public boolean leased(long cas) {
    return leased.containsKey(cas);
  }

  /** Returns the current time of this reclaimer's clock, in milliseconds since the epoch. */
  public long now() {
    return ticker.millis();
  }

  private static void count(ConcurrentHashMap<Long, int[]> counts, long key, int delta) {
    counts.compute(key, (k, c) -> {
      int n = (c == null ? 0 : c[0]) + delta;
      if (n <= 0) {
        return null;
      }
      if (c == null) {
        return new int[] {n};
      }
      c[0] = n;
      return c;
    });
  }

  @Override
  public boolean pinned(long generation) {
    return pins.containsKey(generation);
  }

  /**
   * Marks a generation as being written: {@link #releaseAll} leaves its chunks alone.
   *
   * @param generation a generation from {@link ChunkStore#newGeneration()}
   */
  public void beginWrite(long generation) {
    writing.add(generation);
  }

  /**
   * Ends what {@link #beginWrite} marked.
   *
   * @param generation the generation
   */
  public void endWrite(long generation) {
    writing.remove(generation);
  }

  /**
   * Ends the leases that expired, then frees the held chunks no reader pins any more.
   *
   * @return the number of chunks freed
   */
  public int reclaim() {
    long now = ticker.millis();
    for (Lease l; (l = leases.peek()) != null && l.until <= now; ) {
      if (leases.remove(l)) {
        unpin(l.manifest);
        count(leased, l.cas, -1);
      }
    }
    long before = freed.sum();
    int batches = held.size();
    for (int i = 0; i < batches; i++) {
      long[] ids = held.poll();
      if (ids == null) {
        break;
      }
      waiting.addAndGet(-ids.length);
      free(ids);
    }
    return (int) (freed.sum() - before);
  }

  /** Returns the number of released chunks held for their readers. */
  public long waiting() {
    return waiting.get();
  }

  /** Returns the number of chunks freed since start. */
  public long freed() {
    return freed.sum();
  }

  /** A pin that ends by itself. */
  private record Lease(Manifest manifest, long cas, long until) {}
}
