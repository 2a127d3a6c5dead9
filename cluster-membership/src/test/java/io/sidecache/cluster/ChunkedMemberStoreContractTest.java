package io.sidecache.cluster;

import io.sidecache.store.CacheStore;
import io.sidecache.store.CacheStoreContract;
import io.sidecache.store.Ticker;
import io.sidecache.store.chunk.ChunkedStore;
import io.sidecache.store.memory.MemoryStore;
import org.junit.jupiter.api.AfterEach;

/**
 * {@link CacheStoreContract} through a member of a 3-node ring (R = 2) whose stores chunk values
 * of more than 3 bytes: some keys are local, some forwarded, nearly every value is chunked, so
 * chunked values are read from other nodes piece by piece and replicated by pulling them.
 */
class ChunkedMemberStoreContractTest extends CacheStoreContract {
  private LocalCluster cluster;

  @Override
  protected CacheStore newStore(Ticker ticker) throws Exception {
    cluster = new LocalCluster(3, 2, true, ticker, t -> ChunkedStore.overMemory(
        MemoryStore.builder().maximumBytes(64L * 1024 * 1024).ticker(t).executor(Runnable::run),
        64L * 1024 * 1024, 3, t, null));
    return cluster.stores.get(0);
  }

  /** A member's stats are its node's: replicas of other owners' keys in, its own peers' out. */
  @Override
  protected boolean statsCountItsKeys() {
    return false;
  }

  @AfterEach
  void stopCluster() {
    cluster.close();
  }
}
