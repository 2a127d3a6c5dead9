package io.sidecache.store.chunk;

import io.sidecache.store.ChunkStats;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.function.LongConsumer;

/**
 * Where the chunks of chunked values live, by chunk id ({@link Manifest#chunkId(long, int)}): a
 * namespace of its own, so chunks never appear among the keys (SCAN, KEYS, DBSIZE, {@code
 * curr_items}). Chunks are immutable once written; each is cached and evicted on its own.
 *
 * <p>A chunk read completes inline when the chunk is in memory; anything that touches the disk
 * runs off the caller's thread, so an event loop may call every method. Implementations are
 * thread-safe.
 */
public interface ChunkStore {
  /**
   * Returns a generation no chunk of this store was ever written under, 1 to {@link
   * Manifest#MAX_GENERATION}; unique across restarts of a store that keeps its chunks.
   */
  long newGeneration();

  /**
   * Reads a chunk.
   *
   * @param chunkId the chunk's id
   * @return a stage completed with the chunk's bytes (a read-only view from position 0, not
   *     changed afterwards), or with {@code null} when the chunk is missing (evicted, freed, or
   *     failed verification)
   */
  CompletionStage<ByteBuffer> read(long chunkId);

  /**
   * Stores a chunk; the stage completes once it is kept where it survives eviction from memory
   * (on disk, when the store has a disk tier), so a writer waiting on it is paced by the disk.
   *
   * @param chunkId the chunk's id, never written before
   * @param bytes the chunk's bytes; ownership passes to the store
   * @return a stage completed when stored, or failed with {@link
   *     io.sidecache.store.OutOfSpaceException} when no room can be made
   */
  CompletionStage<Void> write(long chunkId, byte[] bytes);

  /**
   * Frees a chunk; a missing one is ignored. Called by {@link ChunkReclaimer} once no reader can
   * still need it, never by anyone else.
   *
   * @param chunkId the chunk's id
   */
  void delete(long chunkId);

  /**
   * Visits the id of every chunk stored, for {@code FLUSHALL}; weakly consistent with concurrent
   * writes.
   *
   * @param action receives each id, possibly on another thread
   * @return a stage completed when every id was visited
   */
  CompletionStage<Void> forEachChunk(LongConsumer action);

  /** Returns the chunk counters of each tier. */
  ChunkStats stats();
}
