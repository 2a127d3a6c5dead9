package io.sidecache.cluster;

import io.sidecache.store.CacheStore;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.Key;
import io.sidecache.store.ScanPage;
import io.sidecache.store.SetOptions;
import io.sidecache.store.StoreUnavailableException;
import io.sidecache.store.ValueReader;
import io.sidecache.store.ValueWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves keys when the ring changes (docs/cluster.md, "Failover and rebalancing").
 *
 * <ul>
 *   <li><b>Push.</b> On each change every node visits its keys in the background, a page at a
 *       time. For a key whose copies change, the first member of its old placement that is still
 *       on the ring pushes the key's state to each member of its new placement that was not in
 *       the old one: the new replica after a death (restoring R), the new owner after a join.
 *   <li><b>Take-over.</b> For a window ({@link #WINDOW_MILLIS}) after a change, before a node runs
 *       the first operation on a key it owns and does not hold, it asks the key's previous
 *       holders and installs their copy (with its CAS version): a miss at a new owner asks the
 *       previous owner, and a read-modify-write sees the old value.
 *   <li><b>No lost or revived writes.</b> A push never replaces a copy ({@code ifAbsent}), and a
 *       key this node took over, wrote or received a replicated state for during the window
 *       ignores pushes, so a push older than a write or a delete never wins.
 *   <li><b>Drop.</b> When the window ends and the push pass is done, a node removes the keys it
 *       no longer holds, each only if unchanged since it was looked at (a CAS delete); a key
 *       whose push failed is kept that time.
 * </ul>
 *
 * <p>Thread-safe; never blocks: the passes run as tasks on the executor, one page per task.
 */
final class Handoff {
  /** How long after a ring change keys are taken over on demand, in milliseconds. */
  static final long WINDOW_MILLIS = 30_000;
  /** This node's window, {@link #WINDOW_MILLIS} but in tests. */
  private final long windowMillis;
  /** Keys a pass visits per task. */
  static final int PAGE = 256;

  private static final Logger log = LoggerFactory.getLogger(Handoff.class);

  private final CacheStore local;
  private final RingMember self;
  private final int copies;
  private final PeerClient peers;
  private final Supplier<HashRing> current;
  private final ScheduledExecutorService executor;
  /** The rings replaced within the window, newest first. */
  private volatile List<HashRing> previous = List.of();
  private volatile long windowEnds;
  /** The ring the running push pass compares with, or {@code null} when none runs. */
  private HashRing passFrom;
  /** Keys settled within the window: each with its take-over (done at once when none was due). */
  private final ConcurrentHashMap<Key, CompletableFuture<Void>> settled =
      new ConcurrentHashMap<>();
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
  /** Keys a push of this node failed for: the next drop keeps them (then forgets them). */
  private final Set<Key> unpushed = ConcurrentHashMap.newKeySet();
  private final LongAdder pushed;
  private final LongAdder takenOver;
  private final LongAdder dropped;
  private final LongAdder failures;

  Handoff(CacheStore local, RingMember self, int copies, PeerClient peers,
      Supplier<HashRing> current, ScheduledExecutorService executor, RoutingStore.Stats stats,
      long windowMillis) {
    this.windowMillis = windowMillis;
    this.pushed = stats.pushed;
    this.takenOver = stats.takenOver;
    this.dropped = stats.dropped;
    this.failures = stats.handoffFailures;
    this.local = local;
    this.self = self;
    this.copies = copies;
    this.peers = peers;
    this.current = current;
    this.executor = executor;
  }

  /** Whether a ring changed within the window. */
  boolean active() {
    return !previous.isEmpty();
  }

  /**
   * Starts moving keys for a ring change.
   *
   * @param before the ring replaced
   * @param after the ring now published
   * @param othersBefore when this node was alone before: the others' ring (after without this
   *     node), whose holders take-overs ask too; else {@code null}
   */
  synchronized void changed(HashRing before, HashRing after, HashRing othersBefore) {
    List<HashRing> rings = new ArrayList<>();
    rings.add(before);
    if (othersBefore != null) {
      rings.add(othersBefore);
    }
    rings.addAll(previous);
    previous = List.copyOf(rings);
    long ends = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(windowMillis);
    windowEnds = ends;
    // A pass still running for an earlier change stops; this one starts from that change's
    // ring, so the keys the earlier pass had not reached are compared across both changes.
    HashRing from = passFrom != null ? passFrom : before;
    passFrom = from;
    executor.execute(() -> pushPage(from, after, 0));
    executor.schedule(() -> endWindow(ends), windowMillis, TimeUnit.MILLISECONDS);
  }

  /** Records that a key's state here is newer than any push for it. */
  void settle(Key key) {
    if (active()) {
      settled.putIfAbsent(key, DONE);
    }
  }

  /**
   * Before an operation on a key this node owns: takes the key over from a previous holder when
   * this node has no copy and has not settled the key in this window.
   *
   * @return a stage completed when the operation may run
   */
  CompletionStage<Void> beforeOwnerOp(Key key) {
    List<HashRing> rings = previous;
    if (rings.isEmpty()) {
      return DONE;
    }
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> first = settled.putIfAbsent(key, mine);
    if (first != null) {
      return first; // settled, or being taken over by an earlier operation: wait for it
    }
    takeOverIfNew(key, rings).whenComplete((v, t) -> {
      if (t != null) {
        settled.remove(key, mine); // the next operation tries again
        mine.completeExceptionally(t);
      } else {
        mine.complete(null);
      }
    });
    return mine;
  }

  private CompletionStage<Void> takeOverIfNew(Key key, List<HashRing> rings) {
    // Every previous holder but this node, newest ring first. When this node held the key on a
    // previous ring shared with others, it got every write of the key: its miss is the answer.
    // (A ring of this node alone proves nothing: that is how a node starts.)
    List<RingMember> holders = new ArrayList<>();
    for (HashRing r : rings) {
      List<RingMember> placement = r.replicas(key.bytes(), copies);
      if (placement.contains(self) && r.members().size() > 1) {
        return DONE;
      }
      for (RingMember m : placement) {
        if (!m.equals(self) && !holders.contains(m)) {
          holders.add(m);
        }
      }
    }
    return local.exists(key).thenCompose(here -> here
        ? CompletableFuture.<Void>completedFuture(null) : takeOver(key, holders, 0, false));
  }

  /**
   * Asks the holders in turn for their copy ({@link PeerOp#PEEK}: their own store, no routing,
   * no take-over of theirs). When none answered at all, the key's state is unknown: the operation
   * fails with {@link StoreUnavailableException} rather than run on a copy that may be missing.
   */
  private CompletionStage<Void> takeOver(Key key, List<RingMember> holders, int i,
      boolean anyAnswered) {
    if (i >= holders.size()) {
      return anyAnswered || holders.isEmpty() ? DONE : CompletableFuture.failedFuture(
          new StoreUnavailableException("no previous holder of the key answered"));
    }
    RingMember m = holders.get(i);
    return peers.call(m, PeerOp.PEEK, current.get().epoch(), 0, key, out -> { })
        .handle((e, t) -> {
          if (t != null || e == null) {
            return takeOver(key, holders, i + 1, anyAnswered || t == null);
          }
          takenOver.increment();
          return install(key, e, true, m).exceptionally(x -> null);
        }).thenCompose(s -> s);
  }

  /**
   * A pushed state: installed unless this node has the key or settled it.
   *
   * @param key the key
   * @param state the pusher's entry
   * @param sender the pusher, who serves the chunks of a chunked value
   */
  CompletionStage<Void> pushed(Key key, Entry state, RingMember sender) {
    if (settled.containsKey(key)) {
      return DONE;
    }
    return install(key, state, true, sender).exceptionally(t -> null); // counted; the next pass
  }

  /**
   * Stores a state another node sent, with its CAS version, flags and expiry; a chunked value's
   * bytes are read from {@code source} by version.
   *
   * @param ifAbsent keep a copy this node already has
   * @return a stage failed when the value could not be copied (counted; nothing is stored), so
   *     a replica's owner sends it again
   */
  CompletionStage<Void> install(Key key, Entry state, boolean ifAbsent, RingMember source) {
    SetOptions.Builder b = SetOptions.builder().version(state.cas()).flags(state.flags())
        .expiresAt(state.expiresAt());
    SetOptions options = (ifAbsent ? b.ifAbsent() : b).build();
    if (!state.isChunked()) {
      return local.set(key, state.value(), options).thenApply(r -> null);
    }
    ValueWriter w = local.writer(key, state.length());
    ValueReader r = RoutingStore.remoteReader(key, state, local.streamingThreshold(),
        (start, end) -> peers.call(source, PeerOp.READ, current.get().epoch(), 0, key,
            out -> out.writeLong(state.cas()).writeLong(start).writeLong(end)));
    return copy(r, w).thenCompose(v -> w.commit(options)).handle((res, t) -> {
      r.close();
      if (t != null) {
        w.abort();
        failures.increment();
        log.debug("cannot copy {} ({} bytes) from {}", key, state.length(), source, t);
        throw new StoreUnavailableException("cannot copy " + key + " from " + source.nodeId());
      }
      return null;
    });
  }

  private static CompletionStage<Void> copy(ValueReader r, ValueWriter w) {
    return r.next().thenCompose(piece -> piece == null
        ? CompletableFuture.completedFuture(null)
        : w.write(piece).thenCompose(v -> copy(r, w)));
  }

  // ---- the passes

  /** Pushes the keys of one page whose placement gained members, then schedules the next. */
  private void pushPage(HashRing before, HashRing after, long cursor) {
    if (!current.get().members().equals(after.members())) {
      return; // a newer change started its own pass, from the same starting ring
    }
    local.scan(cursor, PAGE).whenComplete((page, t) -> {
      if (t != null) {
        failures.increment();
        log.warn("handoff pass stopped: cannot scan the store", t);
        return;
      }
      List<CompletableFuture<Void>> pushes = new ArrayList<>();
      for (Key key : page.keys()) {
        List<RingMember> was = before.replicas(key.bytes(), copies);
        List<RingMember> now = after.replicas(key.bytes(), copies);
        if (!self.equals(pusher(was, after))) {
          continue;
        }
        for (RingMember m : now) {
          if (!was.contains(m) && !m.equals(self)) {
            pushes.add(push(key, m, after).toCompletableFuture());
          }
        }
      }
      CompletableFuture.allOf(pushes.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
        if (page.cursor() != 0) {
          executor.execute(() -> pushPage(before, after, page.cursor()));
        } else {
          passDone(after);
        }
      });
    });
  }

  private synchronized void passDone(HashRing after) {
    if (current.get().members().equals(after.members())) {
      passFrom = null;
      log.debug("handoff pass for ring epoch {} done", after.epoch());
    }
  }

  /** The member of a key's old placement that pushes it: the first still on the ring. */
  private static RingMember pusher(List<RingMember> was, HashRing after) {
    for (RingMember m : was) {
      if (after.members().contains(m)) {
        return m;
      }
    }
    return null;
  }

  private CompletionStage<Void> push(Key key, RingMember to, HashRing ring) {
    return local.fetch(key, FetchOptions.PEEK).thenCompose(f -> {
      if (f == null) {
        return CompletableFuture.<Void>completedFuture(null);
      }
      return peers.call(to, PeerOp.HANDOFF, ring.epoch(), 0, key, out -> {
        PeerCodec.writeEntry(out, f.entry());
        PeerCodec.writeMember(out, self);
      }).handle((v, t) -> {
        if (t == null) {
          pushed.increment();
        } else {
          failures.increment();
          unpushed.add(key); // this copy is kept at the drop: it may be the only one
        }
        return null;
      });
    });
  }

  /** Ends the window of the change that set {@code ends}, unless a later change extended it. */
  private void endWindow(long ends) {
    synchronized (this) {
      if (windowEnds != ends) {
        return;
      }
      if (passFrom != null) {
        // The push pass has not finished: dropping now could remove a key's last copy.
        executor.schedule(() -> endWindow(ends), windowMillis, TimeUnit.MILLISECONDS);
        return;
      }
      previous = List.of();
      settled.clear();
    }
    dropPage(current.get(), 0);
  }

  /** Removes the keys of one page this node no longer holds, then schedules the next. */
  private void dropPage(HashRing ring, long cursor) {
    if (!current.get().members().equals(ring.members()) || active()) {
      return;
    }
    local.scan(cursor, PAGE).whenComplete((ScanPage page, Throwable t) -> {
      if (t != null) {
        failures.increment();
        return;
      }
      List<CompletableFuture<?>> drops = new ArrayList<>();
      for (Key key : page.keys()) {
        if (!ring.replicas(key.bytes(), copies).contains(self) && !unpushed.remove(key)) {
          drops.add(local.fetch(key, FetchOptions.PEEK).thenCompose(f -> f == null
              ? CompletableFuture.completedFuture(null)
              : local.delete(key, new DeleteOptions(true, f.entry().cas(), false,
                  CacheStore.NOT_SET)).thenApply(o -> {
                    dropped.increment();
                    return null;
                  })).toCompletableFuture());
        }
      }
      CompletableFuture.allOf(drops.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
        if (page.cursor() != 0) {
          executor.execute(() -> dropPage(ring, page.cursor()));
        }
      });
    });
  }
}
