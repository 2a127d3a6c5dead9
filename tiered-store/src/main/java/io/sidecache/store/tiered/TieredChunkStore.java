package io.sidecache.store.tiered;

import com.github.benmanes.caffeine.cache.Cache;
import io.sidecache.store.ChunkStats;
import io.sidecache.store.OutOfSpaceException;
import io.sidecache.store.StoreException;
import io.sidecache.store.chunk.ChunkStore;
import io.sidecache.store.chunk.MemoryChunkStore;
import io.sidecache.store.disk.DiskTier;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * The chunks of a {@link TieredStore}: every chunk on disk (written through, so evicting one from
 * memory loses nothing), the hot ones also in a Caffeine cache of their own, bounded by bytes. A
 * chunk read from memory completes inline; a disk read or write runs on the disk thread, so a
 * writer's stages complete at the pace of the disk. When the disk tier is out of service, chunks
 * live in memory only, as in a store without a disk tier. Thread-safe.
 */
final class TieredChunkStore implements ChunkStore {
  private static final StoreException CLOSED = new StoreException("store is closed");

  private final Cache<Long, ByteBuffer> memory;
  private final long memoryMaximumBytes;
  private final DiskTier disk;
  private final Executor diskThread;
  private final AtomicLong generations;
  private final LongAdder memoryReads = new LongAdder();
  private final LongAdder memoryWrites = new LongAdder();
  private final LongAdder misses = new LongAdder();

  TieredChunkStore(long memoryMaximumBytes, DiskTier disk, Executor diskThread) {
    this.memory = MemoryChunkStore.cache(memoryMaximumBytes);
    this.memoryMaximumBytes = memoryMaximumBytes;
    this.disk = disk;
    this.diskThread = diskThread;
    this.generations = new AtomicLong(disk.maxGeneration());
  }

  @Override
  public long newGeneration() {
    return generations.incrementAndGet();
  }

  @Override
  public CompletionStage<ByteBuffer> read(long chunkId) {
    ByteBuffer bytes = memory.getIfPresent(chunkId);
    if (bytes != null) {
      memoryReads.increment();
      return CompletableFuture.completedFuture(bytes);
    }
    CompletableFuture<ByteBuffer> result = new CompletableFuture<>();
    onDisk(result, () -> {
      ByteBuffer read = disk.readChunk(chunkId);
      if (read != null && memoryMaximumBytes > 0) {
        memory.put(chunkId, read);
      } else if (read == null) {
        misses.increment();
      }
      result.complete(read);
    });
    return result;
  }

  @Override
  public CompletionStage<Void> write(long chunkId, byte[] bytes) {
    memory.put(chunkId, ByteBuffer.wrap(bytes).asReadOnlyBuffer());
    memoryWrites.increment();
    CompletableFuture<Void> result = new CompletableFuture<>();
    onDisk(result, () -> {
      if (disk.writeChunk(chunkId, bytes) || disk.failed()) {
        // Written; or the tier is out of service (before or by this write): memory only.
        result.complete(null);
      } else {
        memory.invalidate(chunkId);
        result.completeExceptionally(new OutOfSpaceException(
            "chunk of " + bytes.length + " bytes does not fit in the disk tier ("
                + disk.maximumBytes() + " bytes)"));
      }
    });
    return result;
  }

  @Override
  public void delete(long chunkId) {
    memory.invalidate(chunkId);
    try {
      diskThread.execute(() -> disk.removeChunk(chunkId));
    } catch (RejectedExecutionException closed) {
      // the store is closing: an unreferenced chunk is deleted at the next open
    }
  }

  @Override
  public CompletionStage<Void> forEachChunk(LongConsumer action) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    onDisk(result, () -> {
      memory.asMap().keySet().forEach(action::accept);
      disk.forEachChunk(action);
      result.complete(null);
    });
    return result;
  }

  private void onDisk(CompletableFuture<?> result, Runnable work) {
    try {
      diskThread.execute(() -> {
        try {
          work.run();
        } catch (RuntimeException | Error e) {
          result.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(CLOSED);
    }
  }

  @Override
  public ChunkStats stats() {
    return new ChunkStats(memory.estimatedSize(),
        memory.policy().eviction().orElseThrow().weightedSize().orElse(0L), memoryMaximumBytes,
        disk.chunks(), memoryReads.sum(), memoryWrites.sum(), disk.chunkReads(),
        disk.chunkWrites(), misses.sum());
  }
}
