package io.sidecache.store;

/**
 * Counters of the chunks of chunked values, per tier, since start: chunk reads answered from
 * memory, chunk reads that went to disk, chunk writes kept in memory and chunk writes to disk.
 * Read by Redis {@code INFO} ({@code # Chunks}) and the metrics ({@link ChunkMetrics}).
 *
 * @param memoryChunks the chunks held in memory
 * @param memoryBytes the bytes of chunks held in memory, with per-chunk overhead
 * @param memoryMaximumBytes the bound of the memory held by chunks, in bytes
 * @param diskChunks the chunks stored on disk, 0 without a disk tier
 * @param memoryReads chunk reads answered from memory
 * @param memoryWrites chunks written into memory
 * @param diskReads chunk reads that went to disk (hits and misses)
 * @param diskWrites chunks written to disk
 * @param misses chunk reads that found no chunk (evicted without a disk copy, or lost)
 */
public record ChunkStats(
    long memoryChunks,
    long memoryBytes,
    long memoryMaximumBytes,
    long diskChunks,
    long memoryReads,
    long memoryWrites,
    long diskReads,
    long diskWrites,
    long misses) {}
