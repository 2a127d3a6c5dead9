package io.sidecache.store;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A {@link CacheStore} that reports to {@link KeyChanges} every key an operation changed, once the
 * operation has completed and only when it changed something (a {@code SET NX} that found the key,
 * a failed {@code INCR} or a delete of a missing key report nothing), as Redis 7 signals a modified
 * key. An operation that fails after completing later (a peer or the disk timing out) is reported,
 * as it may have taken effect. Reads pass through. A view made by {@link #from} reports its
 * changes with the id of the client connection that uses it, so that client can be left out
 * (Redis {@code CLIENT TRACKING ... NOLOOP}).
 *
 * <p>The report costs no allocation for an operation that completed inline (a memory hit): the
 * stage is looked at, not chained. Thread-safe when the delegate is.
 */
public final class NotifyingStore extends ForwardingCacheStore {
  private static final Predicate<SetResult> STORED = SetResult::stored;
  private static final Predicate<SetResult.Outcome> OUTCOME_STORED =
      o -> o == SetResult.Outcome.STORED;
  private static final Predicate<Boolean> TRUE = Boolean::booleanValue;
  private static final Predicate<Object> DONE = r -> true;
  private static final Predicate<Object> PRESENT = r -> r != null;

  private final KeyChanges changes;
  private final long origin;

  /**
   * Creates the decorator; its changes carry {@link KeyChanges#NO_ORIGIN}.
   *
   * @param delegate the store operations go to
   * @param changes told of each changed key
   */
  public NotifyingStore(CacheStore delegate, KeyChanges changes) {
    this(delegate, changes, KeyChanges.NO_ORIGIN);
  }

  private NotifyingStore(CacheStore delegate, KeyChanges changes, long origin) {
    super(delegate);
    if (changes == null) {
      throw new NullPointerException("changes");
    }
    this.changes = changes;
    this.origin = origin;
  }

  /**
   * Returns a view of the same store whose changes carry {@code origin}.
   *
   * @param origin the id of the client connection that will use the view
   * @return the view; as thread-safe as this store
   */
  public NotifyingStore from(long origin) {
    return new NotifyingStore(delegate(), changes, origin);
  }

  /**
   * Reports {@code key} once {@code stage} completes normally with a result {@code changed}
   * accepts.
   */
  private <T> CompletionStage<T> report(Key key, CompletionStage<T> stage,
      Predicate<? super T> changed) {
    return report(key, null, stage, changed);
  }

  /** {@link #report}, for two keys ({@code second} may be {@code null}), in that order. */
  private <T> CompletionStage<T> report(Key key, Key second, CompletionStage<T> stage,
      Predicate<? super T> changed) {
    CompletableFuture<T> f = stage.toCompletableFuture();
    if (f.isDone()) {
      if (!f.isCompletedExceptionally() && changed.test(f.join())) {
        reportChanged(key, second);
      }
    } else {
      f.whenComplete((r, cause) -> {
        // A failure that completes later (a peer or disk timing out) may come after the change
        // took effect: reported too, as an extra invalidation costs a read and a missed one a
        // stale copy.
        if (cause != null || changed.test(r)) {
          reportChanged(key, second);
        }
      });
    }
    return stage;
  }

  private void reportChanged(Key key, Key second) {
    changes.changed(key, origin);
    if (second != null) {
      changes.changed(second, origin);
    }
  }

  @Override
  public ValueWriter writer(Key key, long length) {
    ValueWriter w = super.writer(key, length);
    return new ValueWriter() {
      @Override
      public CompletionStage<Void> write(java.nio.ByteBuffer bytes) {
        return w.write(bytes);
      }

      @Override
      public CompletionStage<SetResult> commit(SetOptions options) {
        return report(key, w.commit(options), STORED);
      }

      @Override
      public void abort() {
        w.abort();
      }
    };
  }

  @Override
  public CompletionStage<FetchResult> fetch(Key key, FetchOptions options) {
    CompletionStage<FetchResult> stage = super.fetch(key, options);
    if (options.touchExpiresAt() == NOT_SET && options.vivifyExpiresAt() == NOT_SET) {
      return stage;
    }
    return report(key, stage, r -> r != null
        && (r.created() || options.touchExpiresAt() != NOT_SET));
  }

  @Override
  public CompletionStage<SetResult> set(Key key, byte[] value, SetOptions options) {
    return report(key, super.set(key, value, options), STORED);
  }

  @Override
  public CompletionStage<Boolean> delete(Key key) {
    return report(key, super.delete(key), TRUE);
  }

  @Override
  public CompletionStage<SetResult.Outcome> delete(Key key, DeleteOptions options) {
    return report(key, super.delete(key, options), OUTCOME_STORED);
  }

  @Override
  public CompletionStage<Long> incrementBy(Key key, long delta) {
    return report(key, super.incrementBy(key, delta), DONE);
  }

  @Override
  public CompletionStage<Long> incrementUnsigned(Key key, long delta, boolean decrement) {
    return report(key, super.incrementUnsigned(key, delta, decrement), PRESENT);
  }

  @Override
  public CompletionStage<CounterResult> incrementUnsigned(Key key, long delta,
      boolean decrement, CounterOptions options) {
    return report(key, super.incrementUnsigned(key, delta, decrement, options),
        r -> r.outcome() == SetResult.Outcome.STORED);
  }

  @Override
  public CompletionStage<ConcatResult> concat(Key key, byte[] part, ConcatOptions options) {
    return report(key, super.concat(key, part, options),
        r -> r.outcome() == SetResult.Outcome.STORED);
  }

  @Override
  public CompletionStage<Boolean> expire(Key key, long expiresAt, ExpireCondition condition) {
    return report(key, super.expire(key, expiresAt, condition), TRUE);
  }

  @Override
  public CompletionStage<Entry> getAndTouch(Key key, long expiresAt) {
    return report(key, super.getAndTouch(key, expiresAt), PRESENT);
  }

  @Override
  public CompletionStage<Entry> getAndDelete(Key key) {
    return report(key, super.getAndDelete(key), PRESENT);
  }

  @Override
  public CompletionStage<Long> setRange(Key key, long offset, byte[] bytes) {
    return report(key, super.setRange(key, offset, bytes), DONE);
  }

  @Override
  public CompletionStage<List<Long>> bitField(Key key, BitField field) {
    CompletionStage<List<Long>> stage = super.bitField(key, field);
    return field.writes() ? report(key, stage, DONE) : stage;
  }

  @Override
  public CompletionStage<byte[]> incrementByFloat(Key key, byte[] increment) {
    return report(key, super.incrementByFloat(key, increment), DONE);
  }

  @Override
  public CompletionStage<SetResult.Outcome> rename(Key from, Key to, boolean onlyIfAbsent) {
    return report(from, to, super.rename(from, to, onlyIfAbsent), OUTCOME_STORED);
  }

  @Override
  public CompletionStage<SetResult.Outcome> copy(Key from, Key to, boolean replace) {
    return report(to, super.copy(from, to, replace), OUTCOME_STORED);
  }

  @Override
  public CompletionStage<Void> flush() {
    CompletionStage<Void> stage = super.flush();
    stage.whenComplete((v, cause) -> changes.flushed(origin)); // a failed one may have run too
    return stage;
  }

  /**
   * {@inheritDoc}
   *
   * <p>The section's operations run on a view of the store the delegate gives it that reports
   * their changes as this store does.
   */
  @Override
  public <T> CompletionStage<T> isolated(Collection<Key> keys,
      Function<CacheStore, ? extends CompletionStage<T>> section) {
    return super.isolated(keys, view -> section.apply(new NotifyingStore(view, changes, origin)));
  }
}
