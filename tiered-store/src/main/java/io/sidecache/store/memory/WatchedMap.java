package io.sidecache.store.memory;

import io.sidecache.store.Key;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;

/**
 * A view of the memory tier's map that tells a {@link Watcher} of every change written through
 * it: the entry a key held before and the one it holds after, once the write is done. {@link
 * MemoryStore} watches twice: right over the Caffeine map, for its {@link
 * io.sidecache.store.ExpiryTally} and {@link ActiveExpiry} (no write passes beside that view), and
 * at the top, for the
 * chunk release hook (a move, as {@code RENAME}, goes beside it, so moved chunks are not freed).
 * Only the methods {@link MemoryStore} and {@link LayeredMap} write with are watched; the views
 * ({@link #entrySet()}) are the map's own.
 *
 * <p>Store entries are spelled {@code io.sidecache.store.Entry} here, as in {@link LayeredMap}.
 * Thread-safe as the map it wraps; the watcher is called on the writing thread.
 */
final class WatchedMap extends AbstractMap<Key, io.sidecache.store.Entry>
    implements ConcurrentMap<Key, io.sidecache.store.Entry> {
  /** Told of each change written through a {@link WatchedMap}. */
  @FunctionalInterface
  interface Watcher {
    /**
     * Receives one change, after the write.
     *
     * @param key the key written
     * @param before what the key held, or {@code null}
     * @param after what it holds now, or {@code null}; the same object as {@code before} when
     *     the write kept it
     */
    void changed(Key key, io.sidecache.store.Entry before, io.sidecache.store.Entry after);
  }

  private final ConcurrentMap<Key, io.sidecache.store.Entry> map;
  private final Watcher watcher;

  WatchedMap(ConcurrentMap<Key, io.sidecache.store.Entry> map, Watcher watcher) {
    this.map = map;
    this.watcher = watcher;
  }

  @Override
  public io.sidecache.store.Entry get(Object key) {
    return map.get(key);
  }

  /** A compute that remembers the entry it was given: one object, not a lambda and an array. */
  private static final class Remembering implements BiFunction<Key, io.sidecache.store.Entry,
      io.sidecache.store.Entry> {
    private final BiFunction<? super Key, ? super io.sidecache.store.Entry,
        ? extends io.sidecache.store.Entry> f;
    private io.sidecache.store.Entry before;

    Remembering(BiFunction<? super Key, ? super io.sidecache.store.Entry,
        ? extends io.sidecache.store.Entry> f) {
      this.f = f;
    }

    @Override
    public io.sidecache.store.Entry apply(Key k, io.sidecache.store.Entry old) {
      before = old;
      return f.apply(k, old);
    }
  }

  @Override
  public io.sidecache.store.Entry compute(
      Key key,
      BiFunction<? super Key, ? super io.sidecache.store.Entry,
          ? extends io.sidecache.store.Entry> f) {
    Remembering step = new Remembering(f);
    io.sidecache.store.Entry after = map.compute(key, step);
    watcher.changed(key, step.before, after);
    return after;
  }

  @Override
  public io.sidecache.store.Entry computeIfPresent(
      Key key,
      BiFunction<? super Key, ? super io.sidecache.store.Entry,
          ? extends io.sidecache.store.Entry> f) {
    return compute(key, (k, old) -> old == null ? null : f.apply(k, old));
  }

  @Override
  public io.sidecache.store.Entry put(Key key, io.sidecache.store.Entry value) {
    io.sidecache.store.Entry old = map.put(key, value);
    watcher.changed(key, old, value);
    return old;
  }

  @Override
  public io.sidecache.store.Entry putIfAbsent(Key key, io.sidecache.store.Entry value) {
    io.sidecache.store.Entry old = map.putIfAbsent(key, value);
    if (old == null) {
      watcher.changed(key, null, value);
    }
    return old;
  }

  @Override
  public io.sidecache.store.Entry remove(Object key) {
    io.sidecache.store.Entry old = map.remove(key);
    if (old != null) {
      watcher.changed((Key) key, old, null);
    }
    return old;
  }

  @Override
  public boolean remove(Object key, Object value) {
    boolean removed = map.remove(key, value);
    if (removed) {
      watcher.changed((Key) key, (io.sidecache.store.Entry) value, null);
    }
    return removed;
  }

  @Override
  public boolean replace(Key key, io.sidecache.store.Entry oldValue,
      io.sidecache.store.Entry newValue) {
    boolean done = map.replace(key, oldValue, newValue);
    if (done) {
      watcher.changed(key, oldValue, newValue);
    }
    return done;
  }

  @Override
  public io.sidecache.store.Entry replace(Key key, io.sidecache.store.Entry value) {
    io.sidecache.store.Entry old = map.replace(key, value);
    if (old != null) {
      watcher.changed(key, old, value);
    }
    return old;
  }

  /** Removes every entry one by one, so each removal is told, even beside racing writes. */
  @Override
  public void clear() {
    for (Key key : map.keySet()) {
      remove(key);
    }
  }

  @Override
  public boolean containsKey(Object key) {
    return map.containsKey(key);
  }

  @Override
  public int size() {
    return map.size();
  }

  @Override
  public Set<Map.Entry<Key, io.sidecache.store.Entry>> entrySet() {
    return map.entrySet();
  }
}
