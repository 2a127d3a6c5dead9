package io.sidecache.store;

/**
 * The options of {@link CacheStore#incrementUnsigned(Key, long, boolean, CounterOptions)}:
 * compare-and-swap, create on a miss, new expiry (memcached meta arithmetic, protocol.txt, "Meta
 * Arithmetic", flags {@code C}, {@code N}, {@code J}, {@code T}). Immutable and thread-safe.
 *
 * @param compareCas whether the entry's CAS version must equal {@code expectedCas}
 * @param expectedCas the CAS version to compare with, as unsigned bits
 * @param vivifyExpiresAt on a miss, create the counter with the value {@code initial} and this
 *     absolute expiry ({@link Entry#NO_EXPIRY} for none), or {@link CacheStore#NOT_SET} to leave a
 *     miss a miss
 * @param initial the unsigned value a created counter starts at (the delta is not applied to it)
 * @param touchExpiresAt the new absolute expiry of an existing counter after a successful change,
 *     or {@link CacheStore#NOT_SET} to keep it
 */
public record CounterOptions(
    boolean compareCas, long expectedCas, long vivifyExpiresAt, long initial, long touchExpiresAt) {

  /** No condition, no creation, expiry kept: memcached {@code incr}/{@code decr}. */
  public static final CounterOptions NONE =
      new CounterOptions(false, 0, CacheStore.NOT_SET, 0, CacheStore.NOT_SET);

  /**
   * Checks the times.
   *
   * @throws IllegalArgumentException if a time is below {@link CacheStore#NOT_SET}
   */
  public CounterOptions {
    if (vivifyExpiresAt < CacheStore.NOT_SET) {
      throw new IllegalArgumentException(
          "vivifyExpiresAt: " + vivifyExpiresAt + " (expected: >= -1)");
    }
    if (touchExpiresAt < CacheStore.NOT_SET) {
      throw new IllegalArgumentException(
          "touchExpiresAt: " + touchExpiresAt + " (expected: >= -1)");
    }
  }
}
