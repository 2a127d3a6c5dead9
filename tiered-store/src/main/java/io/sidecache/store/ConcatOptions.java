package io.sidecache.store;

/**
 * The conditions of {@link CacheStore#concat}: which end the bytes go to, whether a missing key
 * is created, a CAS the entry must still have, and a length the result must not exceed.
 *
 * @param prepend {@code true} to put the bytes before the value (memcached {@code prepend}),
 *     {@code false} after it
 * @param createIfAbsent {@code true} to create a missing key with the bytes as its value (Redis
 *     {@code APPEND}); {@code false} leaves it missing (memcached)
 * @param expectedCas the CAS version the entry must have (memcached binary Append/Prepend with a
 *     CAS), or 0 for none
 * @param maxLength the longest value the result may be, in bytes (memcached's item size limit),
 *     or {@link CacheStore#NOT_SET} for no limit
 */
public record ConcatOptions(
    boolean prepend, boolean createIfAbsent, long expectedCas, long maxLength) {

  /** Redis 7 {@code APPEND}: after the value, creating a missing key, no limit here. */
  public static final ConcatOptions REDIS_APPEND =
      new ConcatOptions(false, true, 0, CacheStore.NOT_SET);

  /** Validates the options. */
  public ConcatOptions {
    if (maxLength < CacheStore.NOT_SET) {
      throw new IllegalArgumentException("maxLength: " + maxLength + " (expected: >= -1)");
    }
  }

  /**
   * Returns memcached's {@code append}/{@code prepend} (protocol.txt, "Storage commands"): a
   * missing key is not created.
   *
   * @param prepend {@code true} for {@code prepend}
   * @param expectedCas the CAS the entry must have, or 0 for any
   * @param maxLength the item size limit in bytes
   * @return the options
   */
  public static ConcatOptions memcached(boolean prepend, long expectedCas, long maxLength) {
    return new ConcatOptions(prepend, false, expectedCas, maxLength);
  }
}
