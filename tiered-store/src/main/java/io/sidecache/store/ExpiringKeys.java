package io.sidecache.store;

/**
 * The keys of a store (or of one tier) that carry an expiry time: how many, and their remaining
 * times to live added up. Redis {@code INFO keyspace} reports them as {@code expires} and {@code
 * avg_ttl}.
 *
 * @param count the number of keys with an expiry time, expired ones not yet reclaimed possibly
 *     included (as {@link StoreStats#keys()} counts them)
 * @param ttlMillis the sum of those keys' remaining times to live in milliseconds, at least 0
 */
public record ExpiringKeys(long count, long ttlMillis) {
  /** No key with an expiry time. */
  public static final ExpiringKeys NONE = new ExpiringKeys(0, 0);

  /**
   * Returns these keys together with {@code other}'s (another tier's).
   *
   * @param other the keys to add
   * @return the sum of both
   */
  public ExpiringKeys plus(ExpiringKeys other) {
    return new ExpiringKeys(count + other.count, ttlMillis + other.ttlMillis);
  }

  /** Returns the mean remaining time to live in milliseconds, 0 when there is no such key. */
  public long averageTtlMillis() {
    return count == 0 ? 0 : ttlMillis / count;
  }
}
