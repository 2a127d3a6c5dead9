package io.sidecache.store;

import java.util.Optional;

/**
 * Counters of a store on this node, read by Redis {@code INFO}, memcached {@code stats} and the
 * metrics.
 *
 * @param keys the number of keys held in every tier, expired ones not yet reclaimed possibly
 *     included
 * @param expiring the keys among them that carry an expiry time
 * @param usedBytes the bytes the memory tier holds, as weighed against {@code maximumBytes}: key
 *     and value bytes plus a fixed per-entry overhead
 * @param maximumBytes the memory tier's bound in bytes
 * @param evictions the number of entries that left the store to stay within its bounds since
 *     start (an entry moved from memory to disk is not evicted)
 * @param expirations the number of expired entries reclaimed since start, in every tier
 * @param hits the client reads ({@code get}, {@code getRange}, and {@code fetch} recording an
 *     access) the memory tier answered with a live entry, including those it answered after
 *     promoting the key from disk; the chunk layer's own looks are not counted
 * @param misses the value reads the memory tier (and the disk tier, when there is one) answered
 *     with no entry
 * @param disk the disk tier's counters, empty when the store has none
 * @param chunks the counters of chunked values' chunks, empty when the store does not chunk
 */
public record StoreStats(
    long keys,
    ExpiringKeys expiring,
    long usedBytes,
    long maximumBytes,
    long evictions,
    long expirations,
    long hits,
    long misses,
    Optional<DiskStats> disk,
    Optional<ChunkStats> chunks) {

  /**
   * Returns the counters of a store without a disk tier.
   *
   * @param keys the number of keys held
   * @param expiring the keys among them that carry an expiry time
   * @param usedBytes the bytes held, as weighed against {@code maximumBytes}
   * @param maximumBytes the bound in bytes
   * @param evictions the number of entries evicted since start
   * @param expirations the number of expired entries reclaimed since start
   * @param hits the reads that found a live entry
   * @param misses the reads that found none
   * @return the counters
   */
  public static StoreStats memoryOnly(long keys, ExpiringKeys expiring, long usedBytes,
      long maximumBytes, long evictions, long expirations, long hits, long misses) {
    return new StoreStats(keys, expiring, usedBytes, maximumBytes, evictions, expirations, hits,
        misses, Optional.empty(), Optional.empty());
  }

  /**
   * Returns these counters with the chunk counters of a store that chunks large values.
   *
   * @param chunks the chunk counters
   * @return the counters
   */
  public StoreStats withChunks(ChunkStats chunks) {
    return new StoreStats(keys, expiring, usedBytes, maximumBytes, evictions, expirations, hits,
        misses, disk, Optional.of(chunks));
  }
}
