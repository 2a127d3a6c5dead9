package io.sidecache.store.disk;

import io.sidecache.store.Key;
import org.eclipse.collections.impl.map.mutable.primitive.IntIntHashMap;

/**
 * Which keys may have a copy in the disk tier, answered in memory without touching the disk: a
 * counting set of {@link Key#hashCode()} values, about 10 bytes per disk key. Two keys with the
 * same hash share a count, so the answer "may contain" can be wrong (the caller then asks the
 * disk and finds nothing); "does not contain" is always right.
 *
 * <p>Thread-safe: striped by hash, each stripe a primitive map under its own monitor, held for
 * one lookup or update (tens of nanoseconds), so event loops may call {@link #mayContain}.
 */
final class DiskKeyIndex {
  private static final int STRIPES = 64;
  private final IntIntHashMap[] stripes = new IntIntHashMap[STRIPES];

  DiskKeyIndex() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new IntIntHashMap();
    }
  }

  private IntIntHashMap stripe(int hash) {
    return stripes[(hash ^ (hash >>> 16)) & (STRIPES - 1)];
  }

  /** Counts one more copy of {@code key}. */
  void add(Key key) {
    int h = key.hashCode();
    IntIntHashMap s = stripe(h);
    synchronized (s) {
      s.addToValue(h, 1);
    }
  }

  /** Counts one copy of {@code key} fewer. */
  void remove(Key key) {
    int h = key.hashCode();
    IntIntHashMap s = stripe(h);
    synchronized (s) {
      int left = s.addToValue(h, -1);
      if (left <= 0) {
        s.remove(h);
      }
    }
  }

  /** Returns whether {@code key} may have a copy; {@code false} is exact. */
  boolean mayContain(Key key) {
    int h = key.hashCode();
    IntIntHashMap s = stripe(h);
    synchronized (s) {
      return s.containsKey(h);
    }
  }

  /** Forgets every key. */
  void clear() {
    for (IntIntHashMap s : stripes) {
      synchronized (s) {
        s.clear();
      }
    }
  }
}
