package io.sidecache.memcached;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.store.CacheStore;
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
