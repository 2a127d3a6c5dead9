package io.sidecache.store.chunk;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sidecache.store.ChunkStats;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * A {@link ChunkStore} in heap only, for a store without a disk tier: a Caffeine cache of chunks
 * bounded by bytes (W-TinyLFU, like the memory tier). A chunk it evicts is gone, and so is the
 * value it belonged to: reading that value finds the chunk missing and answers a miss (DESIGN.md:
 * "a value with a missing chunk is a miss"). Every operation completes inline. Thread-safe.
 */
public final class MemoryChunkStore implements ChunkStore {
  /** Heap bytes per chunk beyond its bytes: Caffeine node, boxed id, array header. */
  public static final int CHUNK_OVERHEAD = 96;

  private final Cache<Long, ByteBuffer> cache;
  private final long maximumBytes;
  private final AtomicLong generations = new AtomicLong();
  private final LongAdder reads = new LongAdder();
  private final LongAdder writes = new LongAdder();
  private final LongAdder misses = new LongAdder();

  /**
   * Creates the store.
   *
   * @param maximumBytes the bound on chunk bytes plus {@link #CHUNK_OVERHEAD} per chunk
   */
  public MemoryChunkStore(long maximumBytes) {
    this.maximumBytes = maximumBytes;
    this.cache = cache(maximumBytes);
  }

  /**
   * Returns a cache of chunks for a {@link ChunkStore} with a disk copy of each: the same bound
   * and weigher; what it evicts is read back from disk.
   *
   * @param maximumBytes the bound on chunk bytes plus {@link #CHUNK_OVERHEAD} per chunk
   * @return the cache
   */
  public static Cache<Long, ByteBuffer> cache(long maximumBytes) {
    // Maintenance on the writing thread: a fast writer cannot outrun eviction and grow the heap.
    return Caffeine.newBuilder().maximumWeight(maximumBytes).executor(Runnable::run)
        .<Long, ByteBuffer>weigher((id, bytes) -> bytes.capacity() + CHUNK_OVERHEAD).build();
  }

  @Override
  public long newGeneration() {
    return generations.incrementAndGet();
  }

  @Override
  public CompletionStage<ByteBuffer> read(long chunkId) {
    reads.increment();
    ByteBuffer bytes = cache.getIfPresent(chunkId);
    if (bytes == null) {
      misses.increment();
    }
    return CompletableFuture.completedFuture(bytes);
  }

  @Override
  public CompletionStage<Void> write(long chunkId, byte[] bytes) {
    writes.increment();
    cache.put(chunkId, ByteBuffer.wrap(bytes).asReadOnlyBuffer());
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void delete(long chunkId) {
    cache.invalidate(chunkId);
  }

  @Override
  public CompletionStage<Void> forEachChunk(LongConsumer action) {
    cache.asMap().keySet().forEach(action::accept);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public ChunkStats stats() {
    return new ChunkStats(cache.estimatedSize(),
        cache.policy().eviction().orElseThrow().weightedSize().orElse(0L), maximumBytes, 0,
        reads.sum(), writes.sum(), 0, 0, misses.sum());
  }
}
