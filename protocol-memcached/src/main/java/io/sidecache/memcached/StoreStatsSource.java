package io.sidecache.memcached;

/**
 * The store-wide numbers memcached's {@code stats} reports: item count, bytes used, the byte
 * bound and evictions.
 *
 * <p>Interim seam: {@code CacheStore} is getting a {@code stats()} method with these numbers; until
 * it lands the process passes an implementation reading its store. Implementations are
 * thread-safe and cheap (called on an event loop for every {@code stats}).
 */
public interface StoreStatsSource {
  /** A source that knows nothing: every number is reported as -1 and left out of {@code stats}. */
  StoreStatsSource UNKNOWN = () -> new Numbers(-1, -1, -1, -1);

  /**
   * The numbers at one moment.
   *
   * @param items the live entries ({@code curr_items}), or -1 when unknown
   * @param usedBytes the bytes held ({@code bytes}), or -1 when unknown
   * @param maximumBytes the byte bound ({@code limit_maxbytes}), or -1 when unknown
   * @param evictions the entries evicted to stay within the bound ({@code evictions}), or -1
   */
  record Numbers(long items, long usedBytes, long maximumBytes, long evictions) {}

  /** Returns the current numbers. */
  Numbers read();
}
