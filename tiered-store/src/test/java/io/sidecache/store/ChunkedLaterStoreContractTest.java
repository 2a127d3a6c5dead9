package io.sidecache.store;

import io.sidecache.store.chunk.ChunkReclaimer;
import io.sidecache.store.chunk.ChunkedStore;
import io.sidecache.store.chunk.MemoryChunkStore;
import io.sidecache.store.memory.MemoryStore;

/**
 * {@link CacheStoreContract} on the chunk layer with 3-byte chunks over a memory tier whose stages
 * complete later on another thread ({@link LaterStoreContractTest#later}): the chunk layer's own
 * compositions of stages (commits, retries, reads of the key after a pin) must not assume that
 * the store below completes inline.
 */
class ChunkedLaterStoreContractTest extends CacheStoreContract {
  @Override
  protected CacheStore newStore(Ticker ticker) {
    ChunkReclaimer reclaimer =
        new ChunkReclaimer(new MemoryChunkStore(64L * 1024 * 1024), ticker);
    MemoryStore memory = MemoryStore.builder().maximumBytes(64L * 1024 * 1024).ticker(ticker)
        .executor(Runnable::run).chunkReleaser(reclaimer).build();
    return new ChunkedStore(LaterStoreContractTest.later(memory), reclaimer, 3);
  }
}
