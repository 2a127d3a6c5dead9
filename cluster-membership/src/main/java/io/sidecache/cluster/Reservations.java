package io.sidecache.cluster;

import io.sidecache.store.Key;
import io.sidecache.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The keys this node, as their owner, holds for isolated sections ({@link
 * io.sidecache.store.CacheStore#isolated}, docs/cluster.md "Multi-key commands"): while a section
 * holds a key, every other operation on it waits, and the waiting ones run in arrival order when
 * the section ends.
 *
 * <ul>
 *   <li><b>All or none.</b> A section takes all its keys or none: when one is held by another
 *       section it gives back what it took and waits for that section to end, so two sections
 *       never wait for each other.
 *   <li><b>Running operations.</b> Every owner operation (and take-over question) counts itself,
 *       by a stripe of its key, from before it looks for a holder until its local step completes
 *       ({@link #enter}, {@link #exit}). A section that took its keys starts only when their
 *       stripes count nothing, so an operation that started before it (a disk read, a take-over)
 *       ends before the section's first one.
 *   <li><b>Leases.</b> A section holds its keys at most {@code leaseMillis}: a node that asked for
 *       them and died, or lost its connection, does not hold them for ever. After that the
 *       section's operations fail ({@link #holds}). Its id is chosen by the node that runs it,
 *       which releases it when it got no answer in time, so a late grant holds nothing.
 * </ul>
 *
 * <p>The operations released when a section ends run in the order they came; one arriving just
 * then may run before them.
 *
 * <p>Thread-safe; never blocks: waiting operations are continuations, run by the thread that
 * ends the section; a section waiting for running operations polls on the executor.
 */
final class Reservations {
  /** Stripes of the running-operations count: a power of two. */
  private static final int STRIPES = 1024;
  /** Ints between two stripes' counts: one cache line each, so two loops never share one. */
  private static final int SPREAD = 16;
  /** How long a section waits between looks at the running operations, in milliseconds. */
  private static final long POLL_MILLIS = 1;

  private static final Logger log = LoggerFactory.getLogger(Reservations.class);

  private final ScheduledExecutorService executor;
  private final ConcurrentHashMap<Key, Reservation> byKey = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Reservation> byId = new ConcurrentHashMap<>();
  private final AtomicIntegerArray running = new AtomicIntegerArray(STRIPES * SPREAD);

  /**
   * Creates the table.
   *
   * @param executor runs lease ends and the polls of sections waiting for running operations
   */
  Reservations(ScheduledExecutorService executor) {
    this.executor = executor;
  }

  /** One section's hold on its keys. */
  private final class Reservation {
    final long id;
    final List<Key> keys;
    final long leaseMillis;
    final long waitEnds;
    final CompletableFuture<Long> granted = new CompletableFuture<>();
    /** Operations and sections waiting for this one to end or give its keys back. */
    final Queue<Runnable> waiters = new ConcurrentLinkedQueue<>();
    final AtomicBoolean draining = new AtomicBoolean();
    /** Whether it holds (or is taking) its keys; waiters queued while it does not run at once. */
    volatile boolean holding;
    volatile ScheduledFuture<?> lease;

    /** Set when it was released (or gave up) before or after the grant. */
    volatile boolean ended;

    Reservation(long id, List<Key> keys, long leaseMillis, long waitMillis) {
      this.id = id;
      this.keys = keys;
      this.leaseMillis = leaseMillis;
      this.waitEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
    }

    /** Runs {@code w} once this reservation does not hold its keys (now, if it does not). */
    void whenFree(Runnable w) {
      waiters.add(w);
      if (!holding) {
        drain();
      }
    }

    /** Runs the waiters in the order they came, one thread at a time. */
    void drain() {
      while (draining.compareAndSet(false, true)) {
        Runnable w;
        while ((w = waiters.poll()) != null) {
          try {
            w.run();
          } catch (RuntimeException e) {
            log.warn("an operation waiting for an isolated section failed", e); // the rest run
          }
        }
        draining.set(false);
        if (waiters.isEmpty() || holding) {
          return;
        }
      }
    }
  }

  /** Whether no section holds or waits for keys: the common case, one read. */
  boolean isEmpty() {
    return byKey.isEmpty();
  }

  /** A new section id: random (ids come from peers), never 0. */
  static long newId() {
    long id;
    do {
      id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
    } while (id == 0);
    return id;
  }

  /**
   * Takes keys for a section. {@link #release} of its id ends it, granted or not yet: a node
   * whose question got no answer in time releases the id it chose, so a late grant holds nothing.
   *
   * @param id the section's id ({@link #newId}, chosen by the node that runs it)
   * @param keys the keys, at least one; repeats count once
   * @param leaseMillis the most milliseconds the section may hold them
   * @param waitMillis the most milliseconds to wait for other sections and running operations
   * @return a stage completed with the section's id once it holds the keys and no operation on
   *     them runs, or failed with {@link StoreUnavailableException} after {@code waitMillis}, or
   *     when the id is in use or released first
   */
  CompletionStage<Long> reserve(long id, List<Key> keys, long leaseMillis, long waitMillis) {
    Reservation r = new Reservation(id, List.copyOf(new LinkedHashSet<>(keys)), leaseMillis,
        waitMillis);
    if (id == 0 || byId.putIfAbsent(id, r) != null) {
      return CompletableFuture.failedFuture(new StoreUnavailableException(
          "isolated section id " + id + " is in use"));
    }
    take(r);
    return r.granted;
  }

  private void take(Reservation r) {
    if (r.ended) {
      r.granted.completeExceptionally(new StoreUnavailableException(
          "the isolated section was released before it got its keys"));
      return;
    }
    if (System.nanoTime() - r.waitEnds > 0) {
      byId.remove(r.id, r);
      r.ended = true;
      r.granted.completeExceptionally(new StoreUnavailableException(
          "the keys are held by other isolated sections (MULTI/EXEC, MSETNX, RENAME) too long"));
      return;
    }
    List<Key> taken = new ArrayList<>(r.keys.size());
    r.holding = true; // operations that find a key it took wait, until it gives the keys back
    for (Key k : r.keys) {
      Reservation held = byKey.putIfAbsent(k, r);
      if (held != null) {
        taken.forEach(t -> byKey.remove(t, r));
        r.holding = false;
        r.drain(); // operations that queued on the keys it held a moment run now
        held.whenFree(() -> take(r));
        return;
      }
      taken.add(k);
    }
    if (r.ended) { // released while it took them
      r.keys.forEach(k -> byKey.remove(k, r));
      r.holding = false;
      r.drain();
      take(r); // fails it
      return;
    }
    r.lease = executor.schedule(() -> release(r.id), r.leaseMillis, TimeUnit.MILLISECONDS);
    awaitIdle(r);
  }

  /** Grants the section once no operation on its keys runs (polling), or gives up at its wait. */
  private void awaitIdle(Reservation r) {
    if (r.ended) {
      r.granted.completeExceptionally(new StoreUnavailableException(
          "the isolated section was released before it got its keys"));
      return;
    }
    for (Key k : r.keys) {
      if (running.get(stripe(k)) != 0) {
        if (System.nanoTime() - r.waitEnds > 0) {
          release(r.id);
          r.granted.completeExceptionally(new StoreUnavailableException(
              "operations on the keys did not end in time for an isolated section"));
          return;
        }
        executor.schedule(() -> awaitIdle(r), POLL_MILLIS, TimeUnit.MILLISECONDS);
        return;
      }
    }
    r.granted.complete(r.id);
  }

  /**
   * Ends a section, granted or still waiting: its keys are free and the operations waiting for
   * them run. Ending one that ended already, or one whose lease passed, does nothing.
   */
  void release(long id) {
    Reservation r = byId.remove(id);
    if (r == null) {
      return;
    }
    r.ended = true;
    ScheduledFuture<?> lease = r.lease;
    if (lease != null) {
      lease.cancel(false);
    }
    for (Key k : r.keys) {
      byKey.remove(k, r);
    }
    r.holding = false;
    r.drain();
  }

  /** Whether a section holds (or is taking) {@code key}. */
  boolean held(Key key) {
    return byKey.containsKey(key);
  }

  /** Whether the section {@code id} holds its keys (granted, not ended, its lease not passed). */
  boolean holds(long id) {
    Reservation r = byId.get(id);
    return r != null && r.granted.isDone() && !r.granted.isCompletedExceptionally();
  }

  /**
   * Counts an owner operation on {@code key} (and {@code also}, when not {@code null}) as
   * running; call {@link #exit} once its stage
   * completed, whatever else happens. Before it looks for a holder, so a section that takes the
   * key after the look still waits for it.
   */
  void enter(Key key, Key also) {
    running.incrementAndGet(stripe(key));
    if (also != null) {
      running.incrementAndGet(stripe(also));
    }
  }

  /** Ends what {@link #enter} started. */
  void exit(Key key, Key also) {
    running.decrementAndGet(stripe(key));
    if (also != null) {
      running.decrementAndGet(stripe(also));
    }
  }

  /**
   * Tells whether an operation on {@code key} may run now: when no section other than {@code
   * isolation} holds the key. Else {@code retry} runs once that section ends (or gives the key
   * back), on the thread that ends it, and the caller stops.
   *
   * @param key the operation's key
   * @param isolation the section the operation belongs to, or 0
   * @param retry the operation, run again from its start
   * @return {@code true} when the caller goes on now
   */
  boolean proceed(Key key, long isolation, Runnable retry) {
    Reservation r = byKey.get(key);
    if (r == null || r.id == isolation) {
      return true;
    }
    r.whenFree(retry);
    return false;
  }

  private static int stripe(Key key) {
    return (key.hashCode() & (STRIPES - 1)) * SPREAD;
  }
}
