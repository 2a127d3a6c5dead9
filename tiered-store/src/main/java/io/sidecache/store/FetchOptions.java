package io.sidecache.store;

/**
 * What {@link CacheStore#fetch} does besides reading: touch, vivify on a miss, hand out a recache
 * win token, record the access. Shaped after memcached's meta get (protocol.txt, "Meta Get",
 * flags {@code T}, {@code N}, {@code R}, {@code u}).
 *
 * <p>Times are absolute, in milliseconds since the epoch; {@link CacheStore#NOT_SET} leaves the
 * option off. Immutable and thread-safe.
 *
 * @param touchExpiresAt the new expiry of a live entry ({@link Entry#NO_EXPIRY} to persist it), or
 *     {@link CacheStore#NOT_SET}
 * @param vivifyExpiresAt on a miss, create an empty entry (flags 0) with this expiry, whose reader
 *     wins the token, or {@link CacheStore#NOT_SET} to leave a miss a miss
 * @param recacheBefore win the token when the entry has an expiry earlier than this time and no
 *     token was handed out yet, or {@link CacheStore#NOT_SET}
 * @param recordAccess whether the read marks the entry fetched and updates its last access
 *     (memcached's LRU bump; {@code false} for {@code mg ... u})
 * @param claimToken whether the read may win the token of a stale or vivified entry, as every
 *     client read may; {@code false} only for {@link #PEEK}
 */
public record FetchOptions(long touchExpiresAt, long vivifyExpiresAt, long recacheBefore,
    boolean recordAccess, boolean claimToken) {

  /** A plain read that records the access. */
  public static final FetchOptions READ =
      new FetchOptions(CacheStore.NOT_SET, CacheStore.NOT_SET, CacheStore.NOT_SET, true);

  /**
   * A look that changes nothing: no access recorded, no token won (memcached {@code me}, Redis
   * {@code OBJECT}, a store reading its own layers, a cluster owner reading the state it
   * replicates).
   */
  public static final FetchOptions PEEK =
      new FetchOptions(CacheStore.NOT_SET, CacheStore.NOT_SET, CacheStore.NOT_SET, false, false);

  /**
   * A client's read, which may win a token.
   *
   * @param touchExpiresAt as the record's
   * @param vivifyExpiresAt as the record's
   * @param recacheBefore as the record's
   * @param recordAccess as the record's
   */
  public FetchOptions(long touchExpiresAt, long vivifyExpiresAt, long recacheBefore,
      boolean recordAccess) {
    this(touchExpiresAt, vivifyExpiresAt, recacheBefore, recordAccess, true);
  }

  /**
   * Checks the times.
   *
   * @throws IllegalArgumentException if a time is below {@link CacheStore#NOT_SET}
   */
  public FetchOptions {
    if (touchExpiresAt < CacheStore.NOT_SET) {
      throw new IllegalArgumentException("touchExpiresAt: " + touchExpiresAt + " (expected: >= -1)");
    }
    if (vivifyExpiresAt < CacheStore.NOT_SET) {
      throw new IllegalArgumentException(
          "vivifyExpiresAt: " + vivifyExpiresAt + " (expected: >= -1)");
    }
  }
}
