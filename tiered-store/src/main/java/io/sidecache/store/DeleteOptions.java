package io.sidecache.store;

/**
 * How {@link CacheStore#delete(Key, DeleteOptions)} removes an entry: only if its CAS version
 * matches, and whether it marks the entry stale instead (memcached meta delete, protocol.txt,
 * "Meta Delete", flags {@code C}, {@code I}, {@code T}). Immutable and thread-safe.
 *
 * @param compareCas whether the entry's CAS version must equal {@code expectedCas}
 * @param expectedCas the CAS version to compare with, as unsigned bits
 * @param invalidate {@code true} to keep the entry but mark it stale with a new CAS version and no
 *     win token, so that the next {@link CacheStore#fetch} wins the recache token
 * @param expiresAt with {@code invalidate}, the entry's new absolute expiry in milliseconds since
 *     the epoch ({@link Entry#NO_EXPIRY} for none), or {@link CacheStore#NOT_SET} to keep it
 */
public record DeleteOptions(
    boolean compareCas, long expectedCas, boolean invalidate, long expiresAt) {

  /**
   * Checks the expiry.
   *
   * @throws IllegalArgumentException if {@code expiresAt} is below {@link CacheStore#NOT_SET}
   */
  public DeleteOptions {
    if (expiresAt < CacheStore.NOT_SET) {
      throw new IllegalArgumentException("expiresAt: " + expiresAt + " (expected: >= -1)");
    }
  }
}
