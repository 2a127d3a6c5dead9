package io.sidecache.store;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A {@link ValueWriter} that gathers the value in one array and commits it with {@link
 * CacheStore#set}: for values of at most one chunk, and for stores that do not chunk. Not
 * thread-safe, as the interface says.
 */
public final class BufferedValueWriter implements ValueWriter {
  private static final CompletableFuture<Void> READY = CompletableFuture.completedFuture(null);

  private final CacheStore store;
  private final Key key;
  private final long length;
  private byte[] bytes;
  private int filled;

  /**
   * Creates the writer.
   *
   * @param store the store {@link #commit()} writes to
   * @param key the key
   * @param length the value's length in bytes, or -1 when not known in advance
   * @throws IllegalArgumentException if {@code length} does not fit one array
   */
  public BufferedValueWriter(CacheStore store, Key key, long length) {
    if (length > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("value of " + length + " bytes does not fit one array");
    }
    this.store = store;
    this.key = key;
    this.length = length;
    this.bytes = new byte[length >= 0 ? (int) length : 256];
  }

  @Override
  public CompletionStage<Void> write(ByteBuffer src) {
    int n = src.remaining();
    if ((long) filled + n > bytes.length) {
      if (length >= 0 || (long) filled + n > Integer.MAX_VALUE - 8) {
        throw new IllegalStateException("more than " + (length >= 0 ? length : "2 GiB")
            + " bytes written");
      }
      bytes = Arrays.copyOf(bytes, (int) Math.min(Integer.MAX_VALUE - 8,
          Math.max(filled + (long) n, 2L * bytes.length)));
    }
    src.get(bytes, filled, n);
    filled += n;
    return READY;
  }

  @Override
  public CompletionStage<SetResult> commit(SetOptions options) {
    if (length >= 0 && filled != length) {
      throw new IllegalStateException(filled + " bytes written, " + length + " expected");
    }
    byte[] value = filled == bytes.length ? bytes : Arrays.copyOf(bytes, filled);
    bytes = null;
    return store.set(key, value, options);
  }

  @Override
  public void abort() {
    bytes = null;
  }
}
