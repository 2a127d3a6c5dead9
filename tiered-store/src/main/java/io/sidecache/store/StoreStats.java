package io.sidecache.store;

/**
 * Counters of a store on this node, read by Redis {@code INFO}, memcached {@code stats} and the
 * metrics.
 *
 * @param keys the number of keys held, expired ones not yet reclaimed possibly included
 * @param usedBytes the bytes held, as weighed against {@code maximumBytes}: key and value bytes
 *     plus a fixed per-entry overhead
 * @param maximumBytes the configured bound in bytes
 * @param evictions the number of entries evicted to stay within the bound since start
 * @param expirations the number of expired entries reclaimed since start
 */
public record StoreStats(
    long keys, long usedBytes, long maximumBytes, long evictions, long expirations) {}
