package io.sidecache.server;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * What SIGTERM and SIGINT do to a running node (docs/configuration.md, "Shutdown"): the first
 * starts {@link Sidecache#close()} (stop accepting, finish the commands in flight, persist the
 * memory tier, leave the cluster) on a thread of its own; if that takes longer than the timeout,
 * or a second signal comes, the process exits at once with status 1, as after a crash (the disk
 * tier is then verified at the next start). Thread-safe.
 */
final class GracefulShutdown {
  /** The exit status of a shutdown cut short. */
  static final int FORCED = 1;

  private static final Logger log = LoggerFactory.getLogger(GracefulShutdown.class);

  private final Duration timeout;
  private final AtomicInteger signals = new AtomicInteger();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final java.util.concurrent.CompletableFuture<Sidecache> server =
      new java.util.concurrent.CompletableFuture<>();

  GracefulShutdown(Duration timeout) {
    this.timeout = timeout;
  }

  /** The node is up: a signal that came during its start is acted on now. */
  void started(Sidecache node) {
    server.complete(node);
  }

  /** Handles the named signals ({@code TERM}, {@code INT}) instead of the JVM's default. */
  void onSignals(String... names) {
    for (String name : names) {
      Signal.handle(new Signal(name), s -> signalled(s.getName()));
    }
  }

  private void signalled(String name) {
    if (signals.incrementAndGet() > 1) {
      log.warn("second SIG{}: exiting now, the shutdown cut short", name);
      Runtime.getRuntime().halt(FORCED);
    }
    log.info("SIG{}: shutting down (at most {} ms; a second signal exits at once)", name,
        timeout.toMillis());
    Thread closer = new Thread(() -> {
      server.join().close(); // waits for a start still running
      stopped.countDown();
    }, "sidecache-shutdown");
    closer.setDaemon(true);
    closer.start();
    Thread watchdog = new Thread(() -> {
      try {
        if (!stopped.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
          log.error("shutdown did not finish within {} ms (--shutdown-timeout): exiting now",
              timeout.toMillis());
          Runtime.getRuntime().halt(FORCED);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "sidecache-shutdown-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Waits until a signal's shutdown finished. */
  void await() throws InterruptedException {
    stopped.await();
  }
}
