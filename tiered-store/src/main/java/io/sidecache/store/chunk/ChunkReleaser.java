package io.sidecache.store.chunk;

import io.sidecache.store.Entry;

/**
 * Told by a tier when a {@link Entry#isChunked() chunked} entry stops being a key's value: it was
 * overwritten by another value, deleted, expired, or evicted for good (not when it moves between
 * tiers, nor when an entry with the same manifest, e.g. a new expiry, replaces it). The chunks it
 * names and the replacement does not are then freed, once no reader can need them ({@link
 * ChunkReclaimer}).
 *
 * <p>Implementations are thread-safe and must not block: a tier may call from inside, or right
 * after, an atomic operation on the key.
 */
@FunctionalInterface
public interface ChunkReleaser {
  /** Frees nothing: for a tier that holds no chunked entries. */
  ChunkReleaser NONE = (old, replacement) -> { };

  /**
   * Tells that {@code old} was replaced by {@code replacement}.
   *
   * @param old the chunked entry that is no longer the key's value
   * @param replacement the key's new entry, or {@code null} when the key is gone
   */
  void released(Entry old, Entry replacement);

  /**
   * Tells whether a reader holds a generation, so its chunks must not be freed now; a tier that
   * frees chunks itself to make room (the disk tier's eviction) asks first.
   *
   * @param generation a chunk generation
   * @return {@code true} when freeing must wait
   */
  default boolean pinned(long generation) {
    return false;
  }
}
