package io.sidecache.store;

import io.sidecache.store.chunk.ChunkedStore;
import io.sidecache.store.memory.MemoryStore;

/**
 * {@link CacheStoreContract} on the chunk layer over the memory tier with 3-byte chunks: nearly
 * every value of the contract is stored in chunks, so every operation's chunked path is held to
 * the same semantics as the in-heap one.
 */
class ChunkedMemoryStoreContractTest extends CacheStoreContract {
  @Override
  protected CacheStore newStore(Ticker ticker) {
    return ChunkedStore.overMemory(MemoryStore.builder().maximumBytes(64L * 1024 * 1024).ticker(ticker)
        .executor(Runnable::run), 64L * 1024 * 1024, 3, ticker, null);
  }
}
