package io.sidecache.store.memory;

import io.sidecache.store.Entry;
import io.sidecache.store.Key;

/**
 * What lies below a {@link MemoryStore}: where a key the memory tier does not hold may still
 * have its current entry (a disk tier, entries on their way there), and where evicted entries
 * go. Set with {@link MemoryStore.Builder#lowerTier}; the memory tier's operations then treat an
 * absent key's lower entry as the key's value, so every operation keeps its semantics for keys
 * that live below, and each runs inside the key's atomic {@code compute} as before.
 *
 * <p>Implementations are thread-safe; every method may be called inside a Caffeine atomic
 * operation and so must not block or touch the memory tier.
 */
public interface LowerTier {
  /**
   * Returns the entry an absent key holds below the memory tier. Called when an operation finds
   * the key absent from memory, inside the key's atomic operation.
   *
   * @param key the key
   * @return the live entry below (the memory tier installs it, or the operation's result, in its
   *     place), or {@code null} when the key is absent below as well
   * @throws RuntimeException to abandon the operation, leaving the memory tier unchanged (the
   *     caller retries where the lower tier can be read)
   */
  Entry resolve(Key key);

  /**
   * Tells that an operation based on {@link #resolve}'s entry for {@code key} completed: the
   * memory tier now holds the key's current state (an entry, or nothing after a removal), so the
   * lower copy is out of date.
   *
   * @param key the key
   * @param promoted {@code true} when the memory tier now holds an entry for the key (the key was
   *     brought up), {@code false} when the operation removed it
   */
  void superseded(Key key, boolean promoted);

  /**
   * Receives an entry evicted by size, inside the eviction's atomic operation (Caffeine's {@code
   * evictionListener}), so the key is never in neither place. Expired and explicitly removed
   * entries are not passed.
   *
   * @param key the key
   * @param entry the evicted entry
   */
  void evicted(Key key, Entry entry);
}
