package io.sidecache.store;

import io.sidecache.store.memory.MemoryStore;

/** {@link CacheStoreContract} on the memory tier alone, maintenance on the calling thread. */
class MemoryStoreContractTest extends CacheStoreContract {
  @Override
  protected CacheStore newStore(Ticker ticker) {
    return MemoryStore.builder().maximumBytes(1 << 20).ticker(ticker).executor(Runnable::run)
        .build();
  }
}
