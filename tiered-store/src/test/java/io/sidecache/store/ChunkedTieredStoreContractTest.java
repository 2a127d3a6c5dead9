package io.sidecache.store;

import io.sidecache.store.chunk.ChunkedStore;
import io.sidecache.store.memory.MemoryStore;
import io.sidecache.store.tiered.TieredStore;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CacheStoreContract} on the chunk layer over the tiered store with a memory tier and a
 * chunk cache of 0 bytes and 3-byte chunks: manifests live on disk and every chunk is read from
 * disk, on the disk thread.
 */
class ChunkedTieredStoreContractTest extends CacheStoreContract {
  @TempDir Path dir;

  @Override
  protected CacheStore newStore(Ticker ticker) throws Exception {
    TieredStore tiered = TieredStore.open(MemoryStore.builder().maximumBytes(0)
        .executor(Runnable::run), dir, 64L * 1024 * 1024, TieredStore.PENDING_BYTES_DEFAULT, 0,
        ticker);
    return new ClosingChunkedStore(tiered);
  }

  /** The chunk layer that closes the tiered store below it, as the server does. */
  private static final class ClosingChunkedStore extends ForwardingCacheStore
      implements AutoCloseable {
    private final TieredStore tiered;

    ClosingChunkedStore(TieredStore tiered) {
      super(new ChunkedStore(tiered, tiered.chunkReclaimer(), 3));
      this.tiered = tiered;
    }

    @Override
    public void close() throws Exception {
      tiered.close();
    }
  }
}
