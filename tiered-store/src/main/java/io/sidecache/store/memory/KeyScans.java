package io.sidecache.store.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.ScanPage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The open SCAN iterations of a {@link MemoryStore}, each a weakly consistent iterator over the
 * key set kept under its cursor number.
 *
 * <p>A {@code ConcurrentHashMap} iterator returns every key present from its creation to the end
 * exactly once and may or may not return keys changed meanwhile, which is Redis 7's {@code SCAN}
 * guarantee. Open iterations are bounded ({@link #MAX_OPEN}) and dropped after {@link #IDLE} idle;
 * a cursor that is no longer known starts a new iteration, so no key present throughout is ever
 * missed, at the price of repeats.
 *
 * <p>Thread-safe. A cursor is good for one call: the page it returns carries the next one, and
 * reusing a cursor starts over.
 */
final class KeyScans {
  /** The most iterations kept open at once; the least recently used beyond it is dropped. */
  static final int MAX_OPEN = 4096;

  /** How long an iteration is kept without a call. */
  static final Duration IDLE = Duration.ofMinutes(10);

  private final Map<Key, Entry> map;
  private final Cache<Long, Iterator<Map.Entry<Key, Entry>>> open =
      Caffeine.newBuilder().maximumSize(MAX_OPEN).expireAfterAccess(IDLE).build();
  private final AtomicLong nextCursor =
      new AtomicLong(ThreadLocalRandom.current().nextLong(1, 1L << 40));

  KeyScans(Map<Key, Entry> map) {
    this.map = map;
  }

  /**
   * Returns the next page of an iteration.
   *
   * @param cursor 0 to start, or a cursor returned before
   * @param count the entries to visit, at least 1; expired ones are visited but not returned
   * @param now the current time in milliseconds since the epoch
   */
  ScanPage next(long cursor, int count, long now) {
    Iterator<Map.Entry<Key, Entry>> it = cursor == 0 ? null : open.asMap().remove(cursor);
    if (it == null) {
      it = map.entrySet().iterator();
    }
    List<Key> page = new ArrayList<>(Math.min(count, 1024));
    for (int visited = 0; visited < count && it.hasNext(); visited++) {
      Map.Entry<Key, Entry> e = it.next();
      if (!e.getValue().isExpiredAt(now)) {
        page.add(e.getKey());
      }
    }
    if (!it.hasNext()) {
      return new ScanPage(List.copyOf(page), 0);
    }
    long next = nextCursor.getAndIncrement() & Long.MAX_VALUE;
    if (next == 0) {
      next = nextCursor.getAndIncrement();
    }
    open.put(next, it);
    return new ScanPage(List.copyOf(page), next);
  }
}
