package io.sidecache.store;

import io.sidecache.store.memory.MemoryStore;

/**
 * {@link CacheStoreContract} through {@link NotifyingStore}: reporting changes changes no
 * operation's result.
 */
class NotifyingStoreContractTest extends CacheStoreContract {
  @Override
  protected CacheStore newStore(Ticker ticker) {
    return new NotifyingStore(MemoryStore.builder().maximumBytes(1 << 20).ticker(ticker)
        .executor(Runnable::run).build(), KeyChanges.NONE).from(7);
  }
}
