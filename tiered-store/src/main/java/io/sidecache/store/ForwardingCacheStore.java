package io.sidecache.store;

import java.util.concurrent.CompletionStage;

/**
 * A {@link CacheStore} that forwards every operation to another one; decorators (routing,
 * instrumentation, test doubles) extend it and override what they change.
 *
 * <p>Thread-safe when the delegate is.
 */
public abstract class ForwardingCacheStore implements CacheStore {
  private final CacheStore delegate;

  /**
   * Creates the decorator.
   *
   * @param delegate the store operations go to, must not be {@code null}
   */
  protected ForwardingCacheStore(CacheStore delegate) {
    if (delegate == null) {
      throw new NullPointerException("delegate");
    }
    this.delegate = delegate;
  }

  /** Returns the store operations go to. */
  protected final CacheStore delegate() {
    return delegate;
  }

  @Override
  public CompletionStage<Entry> get(Key key) {
    return delegate.get(key);
  }

  @Override
  public CompletionStage<FetchResult> fetch(Key key, FetchOptions options) {
    return delegate.fetch(key, options);
  }

  @Override
  public CompletionStage<ValueReader> read(Key key, Entry entry, long start, long end) {
    return delegate.read(key, entry, start, end);
  }

  @Override
  public long streamingThreshold() {
    return delegate.streamingThreshold();
  }

  @Override
  public ValueWriter writer(Key key, long length) {
    return delegate.writer(key, length);
  }

  @Override
  public CompletionStage<ValueSlice> getRange(Key key, long start, long end) {
    return delegate.getRange(key, start, end);
  }

  @Override
  public CompletionStage<SetResult> set(Key key, byte[] value, SetOptions options) {
    return delegate.set(key, value, options);
  }

  @Override
  public CompletionStage<Boolean> delete(Key key) {
    return delegate.delete(key);
  }

  @Override
  public CompletionStage<SetResult.Outcome> delete(Key key, DeleteOptions options) {
    return delegate.delete(key, options);
  }

  @Override
  public CompletionStage<Boolean> exists(Key key) {
    return delegate.exists(key);
  }

  @Override
  public CompletionStage<Long> incrementBy(Key key, long delta) {
    return delegate.incrementBy(key, delta);
  }

  @Override
  public CompletionStage<Long> incrementUnsigned(Key key, long delta, boolean decrement) {
    return delegate.incrementUnsigned(key, delta, decrement);
  }

  @Override
  public CompletionStage<CounterResult> incrementUnsigned(Key key, long delta, boolean decrement, CounterOptions options) {
    return delegate.incrementUnsigned(key, delta, decrement, options);
  }

  @Override
  public CompletionStage<ConcatResult> concat(Key key, byte[] part, ConcatOptions options) {
    return delegate.concat(key, part, options);
  }

  @Override
  public CompletionStage<Boolean> expire(Key key, long expiresAt, ExpireCondition condition) {
    return delegate.expire(key, expiresAt, condition);
  }

  @Override
  public CompletionStage<Long> ttl(Key key) {
    return delegate.ttl(key);
  }

  @Override
  public CompletionStage<Entry> getAndTouch(Key key, long expiresAt) {
    return delegate.getAndTouch(key, expiresAt);
  }

  @Override
  public CompletionStage<Entry> getAndDelete(Key key) {
    return delegate.getAndDelete(key);
  }

  @Override
  public CompletionStage<Long> setRange(Key key, long offset, byte[] bytes) {
    return delegate.setRange(key, offset, bytes);
  }

  @Override
  public CompletionStage<java.util.List<Long>> bitField(Key key, BitField field) {
    return delegate.bitField(key, field);
  }

  @Override
  public CompletionStage<byte[]> incrementByFloat(Key key, byte[] increment) {
    return delegate.incrementByFloat(key, increment);
  }

  @Override
  public CompletionStage<SetResult.Outcome> rename(Key from, Key to, boolean onlyIfAbsent) {
    return delegate.rename(from, to, onlyIfAbsent);
  }

  @Override
  public CompletionStage<SetResult.Outcome> copy(Key from, Key to, boolean replace) {
    return delegate.copy(from, to, replace);
  }

  @Override
  public CompletionStage<ScanPage> scan(long cursor, int count) {
    return delegate.scan(cursor, count);
  }

  @Override
  public CompletionStage<Key> randomKey() {
    return delegate.randomKey();
  }

  @Override
  public CompletionStage<Long> size() {
    return delegate.size();
  }

  @Override
  public StoreStats stats() {
    return delegate.stats();
  }

  @Override
  public CompletionStage<Void> flush() {
    return delegate.flush();
  }

  @Override
  public boolean colocated(java.util.Collection<Key> keys) {
    return delegate.colocated(keys);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Forwarded, so the delegate's isolation holds: the section runs on the store the delegate
   * gives it, this decorator's own behaviour left out of the section.
   */
  @Override
  public <T> CompletionStage<T> isolated(java.util.Collection<Key> keys,
      java.util.function.Function<CacheStore, ? extends CompletionStage<T>> section) {
    return delegate.isolated(keys, section);
  }
}
