package io.sidecache.store;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Reads a value, or a range of it, piece by piece with back-pressure: the caller asks for the next
 * piece when it can take it ({@link #next()}), so a 4 GiB value flows to a slow client through a
 * heap that holds a few chunks (DESIGN.md "The store API"). Opened by {@link CacheStore#read}.
 *
 * <p>A reader sees one version of the value to its end, even if the key is overwritten or deleted
 * meanwhile. Not thread-safe: one caller at a time, {@link #next()} not called again before its
 * previous stage completed; the caller {@link #close() closes} it when done or abandoned.
 */
public interface ValueReader extends AutoCloseable {
  /** Returns the entry read: flags, CAS version, expiry and the whole value's length. */
  Entry entry();

  /** Returns the offset in the value of the first byte this reader yields. */
  long offset();

  /** Returns the number of bytes this reader yields in all, possibly 0. */
  long length();

  /**
   * Returns the next piece of the value.
   *
   * @return a stage completed with the next bytes (a read-only view, valid until {@link #close};
   *     never empty), or with {@code null} after the last one; failed with {@link
   *     ChunkLostException} when a chunk of the value is gone (the caller cannot finish the
   *     value and must abandon what it sent of it)
   */
  CompletionStage<ByteBuffer> next();

  /** Releases what the reader holds; idempotent. */
  @Override
  void close();

  /**
   * Returns a reader over an entry whose bytes are in heap (not {@link Entry#isChunked()
   * chunked}): the range as one piece.
   *
   * @param entry the entry
   * @param offset the first byte's offset
   * @param length the bytes to yield, within the value
   * @return the reader
   */
  static ValueReader of(Entry entry, long offset, long length) {
    return new ValueReader() {
      private boolean done = length == 0;

      @Override
      public Entry entry() {
        return entry;
      }

      @Override
      public long offset() {
        return offset;
      }

      @Override
      public long length() {
        return length;
      }

      @Override
      public CompletionStage<ByteBuffer> next() {
        if (done) {
          return CompletableFuture.completedFuture(null);
        }
        done = true;
        return CompletableFuture.completedFuture(
            ByteBuffer.wrap(entry.value(), (int) offset, (int) length).asReadOnlyBuffer());
      }

      @Override
      public void close() {
        done = true;
      }
    };
  }
}
