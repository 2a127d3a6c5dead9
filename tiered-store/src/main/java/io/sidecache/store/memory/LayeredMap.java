package io.sidecache.store.memory;

import io.sidecache.store.Key;
import java.util.AbstractMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;

/**
 * The memory tier's map with a {@link LowerTier} under it: where an operation finds a key absent,
 * the lower tier's entry stands in as the current one, inside the same atomic step. Only the
 * methods {@link MemoryStore} uses are layered; the view methods ({@link #entrySet()}, {@link
 * #size()}) show the memory tier alone.
 *
 * <p>Store entries are spelled {@code io.sidecache.store.Entry} here: inside an {@link
 * AbstractMap} the simple name means {@link Map.Entry}.
 *
 * <p>Thread-safe as the Caffeine map it wraps.
 */
final class LayeredMap extends AbstractMap<Key, io.sidecache.store.Entry>
    implements ConcurrentMap<Key, io.sidecache.store.Entry> {
  private final ConcurrentMap<Key, io.sidecache.store.Entry> memory;
  private final LowerTier lower;

  LayeredMap(ConcurrentMap<Key, io.sidecache.store.Entry> memory, LowerTier lower) {
    this.memory = memory;
    this.lower = lower;
  }

  /**
   * One atomic step over the memory tier's map: where the key is absent from memory, the lower
   * tier's entry stands in for it ({@link #below}); {@link #given} is the entry the step saw.
   * With a function, the step returns what it returns; without one, it installs {@link #value}
   * (a put) or keeps what it saw ({@code value == null}, a read that promotes). One object per
   * operation, where a lambda per layer and arrays for its results cost four: this is the write
   * path of every SET (docs/benchmarks.md, "Profiles").
   */
  private final class Step implements BiFunction<Key, io.sidecache.store.Entry,
      io.sidecache.store.Entry> {
    private final BiFunction<? super Key, ? super io.sidecache.store.Entry,
        ? extends io.sidecache.store.Entry> f;
    private final io.sidecache.store.Entry value;
    private boolean below;
    private io.sidecache.store.Entry given;

    Step(BiFunction<? super Key, ? super io.sidecache.store.Entry,
        ? extends io.sidecache.store.Entry> f, io.sidecache.store.Entry value) {
      this.f = f;
      this.value = value;
    }

    @Override
    public io.sidecache.store.Entry apply(Key k, io.sidecache.store.Entry old) {
      if (old == null) {
        old = lower.resolve(k);
        below = true;
      }
      given = old;
      return f != null ? f.apply(k, old) : value != null ? value : old;
    }

    /** Runs the step on {@code key} and tells the lower tier when it stood in. */
    io.sidecache.store.Entry run(Key key) {
      io.sidecache.store.Entry result = memory.compute(key, this);
      if (below) {
        lower.superseded(key, result != null);
      }
      return result;
    }
  }

  /** Reads a key; an entry from below is promoted into the memory tier. */
  @Override
  public io.sidecache.store.Entry get(Object key) {
    io.sidecache.store.Entry e = memory.get(key);
    return e != null ? e : new Step(null, null).run((Key) key);
  }

  @Override
  public io.sidecache.store.Entry compute(
      Key key,
      BiFunction<? super Key, ? super io.sidecache.store.Entry,
          ? extends io.sidecache.store.Entry> f) {
    return new Step(f, null).run(key);
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
    Step put = new Step(null, java.util.Objects.requireNonNull(value, "value"));
    put.run(key);
    return put.given;
  }

  @Override
  public io.sidecache.store.Entry putIfAbsent(Key key, io.sidecache.store.Entry value) {
    io.sidecache.store.Entry[] previous = new io.sidecache.store.Entry[1];
    compute(key, (k, old) -> {
      previous[0] = old;
      return old != null ? old : value;
    });
    return previous[0];
  }

  @Override
  public io.sidecache.store.Entry remove(Object key) {
    io.sidecache.store.Entry[] previous = new io.sidecache.store.Entry[1];
    compute((Key) key, (k, old) -> {
      previous[0] = old;
      return null;
    });
    return previous[0];
  }

  @Override
  public boolean remove(Object key, Object value) {
    boolean[] removed = new boolean[1];
    compute((Key) key, (k, old) -> {
      removed[0] = old != null && old == value;
      return removed[0] ? null : old;
    });
    return removed[0];
  }

  @Override
  public boolean replace(Key key, io.sidecache.store.Entry oldValue,
      io.sidecache.store.Entry newValue) {
    return memory.replace(key, oldValue, newValue);
  }

  @Override
  public io.sidecache.store.Entry replace(Key key, io.sidecache.store.Entry value) {
    return memory.replace(key, value);
  }

  @Override
  public boolean containsKey(Object key) {
    return memory.containsKey(key);
  }

  @Override
  public int size() {
    return memory.size();
  }

  @Override
  public Set<Map.Entry<Key, io.sidecache.store.Entry>> entrySet() {
    return memory.entrySet();
  }
}
