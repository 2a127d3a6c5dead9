package io.sidecache.store;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * Writes a value piece by piece as its bytes arrive, and makes it visible at one point, {@link
 * #commit()} (DESIGN.md "The store API"): until then readers see the old value, afterwards the new
 * one, never a mix. The condition of the write (NX, XX, CAS) is checked at commit. An {@link
 * #abort() aborted} writer leaves nothing behind. Opened by {@link CacheStore#writer}.
 *
 * <p>Back-pressure: {@link #write} copies the bytes before it returns, and its stage completes
 * when the writer can take more; a caller that waits for it before reading more from its client
 * (pausing the connection) never buffers more than a few chunks. Not thread-safe: one caller at a
 * time, {@link #write} not called again before its previous stage completed.
 */
public interface ValueWriter {
  /**
   * Adds bytes to the value.
   *
   * @param bytes the next bytes; read (copied) before the call returns, its position advanced
   * @return a stage completed when the writer can take more, or failed with a {@link
   *     StoreException} (e.g. {@link OutOfSpaceException}) after which only {@link #abort()} is
   *     useful
   */
  CompletionStage<Void> write(ByteBuffer bytes);

  /**
   * Makes the value visible, if its condition holds. The options come last because a protocol may
   * learn them after the value (Redis {@code SET key value NX} streams the value first).
   *
   * @param options the condition, flags and expiry, as {@link CacheStore#set} takes them
   * @return a stage completed with what happened, as {@link CacheStore#set} reports it; failed
   *     with a {@link StoreException} when a piece could not be stored (nothing is then visible)
   * @throws IllegalStateException if the bytes written differ from the length the writer was
   *     opened with
   */
  CompletionStage<SetResult> commit(SetOptions options);

  /** Abandons the value: nothing becomes visible, what was stored of it is freed; idempotent. */
  void abort();
}
