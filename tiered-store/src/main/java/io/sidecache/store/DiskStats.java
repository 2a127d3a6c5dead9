package io.sidecache.store;

/**
 * Counters of a store's disk tier and of the movement between memory and disk, for {@code INFO},
 * memcached {@code stats} (extstore's names where the meaning matches) and metrics. All counts
 * since start, except the gauges {@code keys}, {@code usedBytes} and {@code pendingKeys}.
 *
 * @param keys records on disk
 * @param usedBytes bytes accounted against the bound (records, keys, bookkeeping)
 * @param maximumBytes the disk tier's bound in bytes
 * @param reads lookups of a record (memcached {@code get_extstore})
 * @param hits lookups that found a live, verified record ({@code extstore_objects_read})
 * @param bytesRead bytes of records read
 * @param writes records written ({@code extstore_objects_written})
 * @param bytesWritten bytes of records written ({@code extstore_bytes_written})
 * @param evictions records evicted to stay within the bound ({@code extstore_objects_evicted})
 * @param checksumFailures records that failed verification ({@code badcrc_from_extstore})
 * @param faults failed disk or MapDB operations
 * @param promotions keys brought back to memory from below ({@code recache_from_extstore})
 * @param demotions entries written to disk after eviction from memory
 * @param shedDemotions evicted entries dropped because the hand-off was full or the write failed
 * @param pendingKeys evicted entries waiting to be written ({@code extstore_io_queue})
 */
public record DiskStats(
    long keys,
    long usedBytes,
    long maximumBytes,
    long reads,
    long hits,
    long bytesRead,
    long writes,
    long bytesWritten,
    long evictions,
    long checksumFailures,
    long faults,
    long promotions,
    long demotions,
    long shedDemotions,
    long pendingKeys) {

  /** Returns the lookups that found no live record ({@code miss_from_extstore}). */
  public long misses() {
    return reads - hits;
  }
}
