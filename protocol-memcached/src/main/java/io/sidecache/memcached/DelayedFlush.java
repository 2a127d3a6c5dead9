package io.sidecache.memcached;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.store.CacheStore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The one pending delayed {@code flush_all} of a memcached listener (protocol.txt, "flush_all":
 * items that exist when the delay ends are invalidated; items written later are kept).
 *
 * <p>memcached keeps a single server-wide "oldest live" time, so every {@code flush_all}
 * replaces the one before it: a new delayed flush cancels the pending one, and an immediate
 * flush cancels it too. The flush itself is {@link CacheStore#flush()} run when the delay ends,
 * which removes exactly the entries written before that moment. A pending flush lives in memory
 * only: it is lost if the process stops before it runs.
 *
 * <p>Thread-safe: connections on different event loops share one instance.
 */
final class DelayedFlush {
  private static final InternalLogger logger =
      InternalLoggerFactory.getInstance(DelayedFlush.class);

  private final CacheStore store;
  private ScheduledFuture<?> pending; // guarded by this
  private long generation; // guarded by this

  DelayedFlush(CacheStore store) {
    this.store = store;
  }

  /**
   * Runs a memcached {@code flush_all} with an optional delay (protocol.txt, "flush_all"): a delay
   * in exptime form that ends in the future replaces the pending delayed flush; none (0 or less)
   * or one already over cancels it and flushes now.
   *
   * @param delaySeconds the delay as sent, in exptime form (seconds, or a Unix time beyond 30
   *     days)
   * @param nowMillis the current time in milliseconds since the epoch
   * @param executor where a delayed flush runs, must not be {@code null}
   * @return a stage completed once the flush ran (now) or was scheduled (delayed)
   */
  CompletionStage<Void> flushAll(long delaySeconds, long nowMillis, EventExecutor executor) {
    if (delaySeconds > 0) {
      long waitMillis = MemcachedServerHandler.expiresAt(delaySeconds, nowMillis) - nowMillis;
      if (waitMillis > 0) {
        schedule(executor, waitMillis);
        return CompletableFuture.completedFuture(null);
      }
    }
    cancel();
    return store.flush();
  }

  /** Cancels the pending delayed flush, if any. */
  synchronized void cancel() {
    generation++;
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
  }

  /**
   * Replaces the pending delayed flush with one that runs after {@code delayMillis}.
   *
   * @param executor where the flush runs, must not be {@code null}
   * @param delayMillis the delay in milliseconds, positive
   */
  synchronized void schedule(EventExecutor executor, long delayMillis) {
    cancel();
    long scheduled = generation;
    pending = executor.schedule(() -> run(scheduled), delayMillis, TimeUnit.MILLISECONDS);
  }

  /** Returns whether a delayed flush is pending; for tests. */
  synchronized boolean isPending() {
    return pending != null;
  }

  private void run(long scheduled) {
    synchronized (this) {
      if (scheduled != generation) {
        return; // replaced after it was due, before it ran
      }
      pending = null;
    }
    store
        .flush()
        .whenComplete(
            (ignored, cause) -> {
              if (cause != null) {
                logger.warn("delayed flush_all failed", cause);
              }
            });
  }
}
