package io.sidecache.store.chunk;

import io.sidecache.store.Entry;
import io.sidecache.store.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.eclipse.collections.impl.list.mutable.primitive.LongArrayList;

/**
 * Frees the chunks no value names any more, once no reader can still need them.
 *
 * <p>A chunk is freed when two things hold: {@link #graceMillis} have passed since the value that
 * named it was replaced (a reader that read the old manifest just before that has long pinned its
 * generations by then), and no {@link #pin reader} holds its generation. So a reader that streams
 * a value while it is overwritten or deleted reads the old value to its end (DESIGN.md: "old
 * generations are freed once no reader holds them"). Generations a writer is still filling are
 * {@link #beginWrite marked} and never freed by {@link #releaseAll}.
 *
 * <p>Work is done by {@link #reclaim()}, run every second on the executor given to {@link #start};
 * tests call it directly. Thread-safe; nothing blocks.
 */
public final class ChunkReclaimer implements ChunkReleaser {
  /** The default time between a chunk's release and its freeing, in milliseconds. */
  public static final long GRACE_MILLIS = 10_000;

  private final ChunkStore chunks;
  private final Ticker ticker;
  private final long graceMillis;
  private final ConcurrentLinkedQueue<Batch> queue = new ConcurrentLinkedQueue<>();
  private final ConcurrentHashMap<Long, int[]> pins = new ConcurrentHashMap<>();
  private final Set<Long> writing = ConcurrentHashMap.newKeySet();
  private final AtomicLong waiting = new AtomicLong();
  private final LongAdder freed = new LongAdder();

  /**
   * Creates a reclaimer.
   *
   * @param chunks the store chunks are freed from
   * @param ticker the clock, in milliseconds since the epoch
   * @param graceMillis the time between release and freeing, at least 0
   */
  public ChunkReclaimer(ChunkStore chunks, Ticker ticker, long graceMillis) {
    this.chunks = chunks;
    this.ticker = ticker;
    this.graceMillis = graceMillis;
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
    enqueue(ids.toArray(), ticker.millis());
  }

  /**
   * Frees chunks no reader ever saw (an abandoned or refused write's), without the grace time;
   * pins are still respected.
   *
   * @param ids the chunk ids
   */
  public void discard(long[] ids) {
    enqueue(ids, Long.MIN_VALUE / 2);
  }

  /**
   * Frees every chunk stored, except those of generations a writer is still filling, for {@code
   * FLUSHALL}: call it after the keys were removed.
   *
   * @return a stage completed when the chunks are queued for freeing
   */
  public java.util.concurrent.CompletionStage<Void> releaseAll() {
    LongArrayList ids = new LongArrayList();
    long now = ticker.millis();
    return chunks.forEachChunk(id -> {
      if (!writing.contains(Manifest.generationOf(id))) {
        synchronized (ids) {
          ids.add(id);
        }
      }
    }).thenRun(() -> {
      synchronized (ids) {
        enqueue(ids.toArray(), now);
      }
    });
  }

  private void enqueue(long[] ids, long at) {
    if (ids.length > 0) {
      queue.add(new Batch(ids, at));
      waiting.addAndGet(ids.length);
    }
  }

  /**
   * Holds a manifest's generations: their chunks are not freed until {@link #unpin}.
   *
   * @param m the manifest a reader is about to read
   */
  public void pin(Manifest m) {
    m.forEachGeneration(g -> pins.compute(g, (k, c) -> {
      if (c == null) {
        return new int[] {1};
      }
      c[0]++;
      return c;
    }));
  }

  /**
   * Lets go of what {@link #pin} held.
   *
   * @param m the manifest given to {@link #pin}
   */
  public void unpin(Manifest m) {
    m.forEachGeneration(g -> pins.computeIfPresent(g, (k, c) -> --c[0] == 0 ? null : c));
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
   * Frees the chunks whose grace time has passed and whose generation no reader pins.
   *
   * @return the number of chunks freed
   */
  public int reclaim() {
    long now = ticker.millis();
    List<Batch> later = new ArrayList<>();
    int count = 0;
    for (Batch b; (b = queue.poll()) != null; ) {
      if (b.at > now - graceMillis) {
        later.add(b);
        continue;
      }
      LongArrayList held = new LongArrayList();
      for (long id : b.ids) {
        if (pins.containsKey(Manifest.generationOf(id))) {
          held.add(id);
        } else {
          chunks.delete(id);
          count++;
        }
      }
      if (!held.isEmpty()) {
        later.add(new Batch(held.toArray(), b.at));
      }
    }
    queue.addAll(later);
    waiting.addAndGet(-count);
    freed.add(count);
    return count;
  }

  /** Returns the number of chunks released and not yet freed. */
  public long waiting() {
    return waiting.get();
  }

  /** Returns the number of chunks freed since start. */
  public long freed() {
    return freed.sum();
  }

  /** Chunks released together, and when. */
  private record Batch(long[] ids, long at) {}
}
