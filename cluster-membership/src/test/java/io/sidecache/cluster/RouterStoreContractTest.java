package io.sidecache.cluster;

import io.sidecache.store.CacheStore;
import io.sidecache.store.CacheStoreContract;
import io.sidecache.store.Ticker;
import io.sidecache.store.memory.MemoryStore;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link CacheStoreContract} through a node that is not on the ring: every operation is forwarded
 * to one of two other nodes over the peer protocol and replicated to the other (R = 2), so the
 * wire form of each operation is held to the single-node semantics.
 */
class RouterStoreContractTest extends CacheStoreContract {
  private LocalCluster cluster;

  @Override
  protected CacheStore newStore(Ticker ticker) throws Exception {
    cluster = new LocalCluster(3, 2, false, ticker, t -> MemoryStore.builder()
        .maximumBytes(64L * 1024 * 1024).ticker(t).executor(Runnable::run).build());
    return cluster.stores.get(0);
  }

  /** A router holds no keys: its stats are its own node's. */
  @Override
  protected boolean statsCountItsKeys() {
    return false;
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }
}
