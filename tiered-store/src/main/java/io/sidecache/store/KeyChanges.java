package io.sidecache.store;

/**
 * Where a store reports the keys whose value changed or went away: written, deleted, renamed,
 * given another expiry, expired or evicted for good. This is what client-side caching needs
 * (Redis 7 {@code CLIENT TRACKING}: a client that cached a key is told when the key's value
 * changes, through any protocol). A key evicted from memory to a lower tier is reported too:
 * the lower tier reports nothing of its own (expiry, eviction), so a client reads such a key again
 * rather than keep a copy nobody would invalidate.
 *
 * <p>Called on the thread that completed the change: an event loop, a disk or peer thread, or
 * Caffeine's maintenance. Implementations must be thread-safe and must not block.
 */
public interface KeyChanges {
  /**
   * The origin of a change that no client connection made (expiry, eviction), or whose
   * connection is not known.
   */
  long NO_ORIGIN = 0;

  /** Ignores every change. */
  KeyChanges NONE = new KeyChanges() {
    @Override
    public void changed(Key key, long origin) {}

    @Override
    public void flushed(long origin) {}
  };

  /**
   * Reports that {@code key}'s value changed or that the key went away.
   *
   * @param key the key
   * @param origin the id of the client connection whose command changed it, or {@link #NO_ORIGIN}
   */
  void changed(Key key, long origin);

  /**
   * Reports that every key went away ({@code FLUSHALL}, memcached {@code flush_all}).
   *
   * @param origin the id of the client connection whose command flushed, or {@link #NO_ORIGIN}
   */
  void flushed(long origin);
}
