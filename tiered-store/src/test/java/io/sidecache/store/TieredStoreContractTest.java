package io.sidecache.store;

import io.sidecache.store.memory.MemoryStore;
import io.sidecache.store.tiered.TieredStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CacheStoreContract} on the tiered store with a memory tier of 0 bytes: every entry is
 * evicted as soon as it is written and handed to the disk thread, so nearly every operation finds
 * its key in the hand-off or on disk.
 */
class TieredStoreContractTest extends CacheStoreContract {
  @TempDir Path dir;

  @Override
  protected CacheStore newStore(Ticker ticker) throws Exception {
    return TieredStore.open(MemoryStore.builder().maximumBytes(0).executor(Runnable::run), dir,
        64L * 1024 * 1024, TieredStore.PENDING_BYTES_DEFAULT, 1024 * 1024, ticker);
  }
}
