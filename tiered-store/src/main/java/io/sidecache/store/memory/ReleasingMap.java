package io.sidecache.store.memory;

import io.sidecache.store.Key;
import io.sidecache.store.chunk.ChunkReleaser;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;

/**
 * The memory tier's map with the chunk release hook: every write through it that replaces or
 * removes a {@link io.sidecache.store.Entry#isChunked() chunked} entry with something that does
 * not share its manifest tells the {@link ChunkReleaser}, once the write is done. Only the
 * methods {@link MemoryStore} writes with are hooked; a move (rename) goes to the map below.
 *
 * <p>Store entries are spelled {@code io.sidecache.store.Entry} here, as in {@link LayeredMap}.
 * Thread-safe as the map it wraps.
 */
final class ReleasingMap extends AbstractMap<Key, io.sidecache.store.Entry>
    implements ConcurrentMap<Key, io.sidecache.store.Entry> {
  private final ConcurrentMap<Key, io.sidecache.store.Entry> map;
  private final ChunkReleaser releaser;

  ReleasingMap(ConcurrentMap<Key, io.sidecache.store.Entry> map, ChunkReleaser releaser) {
    this.map = map;
    this.releaser = releaser;
  }

  private void replaced(io.sidecache.store.Entry old, io.sidecache.store.Entry now) {
    if (old != null && old.isChunked() && (now == null || now.value() != old.value())) {
      releaser.released(old, now);
    }
  }

  @Override
  public io.sidecache.store.Entry get(Object key) {
    return map.get(key);
  }

  /** A compute that remembers the entry it replaced: one object, not a lambda and an array. */
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
    replaced(step.before, after);
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
    replaced(old, value);
    return old;
  }

  @Override
  public io.sidecache.store.Entry putIfAbsent(Key key, io.sidecache.store.Entry value) {
    return map.putIfAbsent(key, value);
  }

  @Override
  public io.sidecache.store.Entry remove(Object key) {
    io.sidecache.store.Entry old = map.remove(key);
    replaced(old, null);
    return old;
  }

  @Override
  public boolean remove(Object key, Object value) {
    boolean removed = map.remove(key, value);
    if (removed) {
      replaced((io.sidecache.store.Entry) value, null);
    }
    return removed;
  }

  @Override
  public boolean replace(Key key, io.sidecache.store.Entry oldValue,
      io.sidecache.store.Entry newValue) {
    boolean done = map.replace(key, oldValue, newValue);
    if (done) {
      replaced(oldValue, newValue);
    }
    return done;
  }

  @Override
  public io.sidecache.store.Entry replace(Key key, io.sidecache.store.Entry value) {
    io.sidecache.store.Entry old = map.replace(key, value);
    replaced(old, value);
    return old;
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
