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
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
 *   <li><b>One owner at a time.</b> Members learn of a change at different moments, so a holder
 *       whose ring does not have the new owner yet may still act as the key's owner after the new
 *       owner took the key over; a write it applied then would be lost (the new owner ignores
 *       pushes for it). So a holder asked for a take-over records the taker ({@link #handOver})
 *       before it reads its copy, drops the key's pending hint (the taker now holds what it was
 *       to deliver), and sends the key's operations to the taker while its own ring does not have
 *       the taker ({@link #takerAhead}); an owner write that was running when the question came
 *       fails instead of being acknowledged ({@link #handedOverSince}), since the answer may have
 *       missed it. A take-over whose question to a holder may have arrived but got no answer
 *       fails too rather than ask the next holder, which that holder would not fence.
 *   <li><b>Drop.</b> When the window ends and the push pass is done, a node removes the keys it
 *       no longer holds, each only if unchanged since it was looked at (a CAS delete); a key
 *       whose push failed is pushed once more first, and kept while that fails.
 * </ul>
 *
 * <p>Thread-safe; never blocks: the passes run as tasks on the executor, one page per task.
 */
final class Handoff {
  /** How long after a ring change keys are taken over on demand, in milliseconds. */
  static final long WINDOW_MILLIS = 30_000;
  /** This node's window, {@link #WINDOW_MILLIS} but in tests. */
  private final long windowMillis;
  /**
   * The deadline of a request this node makes while it serves one (a take-over's question, a
   * push): shorter than the sender's, so the sender hears the failure in time.
   */
  private final long nestedMillis;
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
  /** Whether a ring in {@link #previous} had members besides this node. */
  private volatile boolean shared;
  /** The ring the running push pass compares with, or {@code null} when none runs. */
  private HashRing passFrom;
  /** Keys settled within the window: each with its take-over (done at once when none was due). */
  private final ConcurrentHashMap<Key, CompletableFuture<Void>> settled =
      new ConcurrentHashMap<>();
  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
  /** Keys other members took over from this node, for a window from the question. */
  private final Cache<Key, Handover> handedOver;
  /** Numbers the questions: a write compares the number at its start with its key's record's. */
  private final AtomicLong handOvers = new AtomicLong();
  /** Drops a key's pending hint: the taker holds the state the hint was to deliver. */
  private final java.util.function.Consumer<Key> dropHint;
  /** Keys a push of this node failed for: pushed again before a drop, kept while it fails. */
  private final Set<Key> unpushed = ConcurrentHashMap.newKeySet();
  private final LongAdder pushed;
  private final LongAdder takenOver;
  private final LongAdder dropped;
  private final LongAdder failures;

  Handoff(CacheStore local, RingMember self, int copies, PeerClient peers,
      Supplier<HashRing> current, ScheduledExecutorService executor, RoutingStore.Stats stats,
      long windowMillis, long nestedMillis, java.util.function.Consumer<Key> dropHint) {
    this.windowMillis = windowMillis;
    this.nestedMillis = nestedMillis;
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
    this.dropHint = dropHint;
    this.handedOver = Caffeine.newBuilder().expireAfterWrite(Duration.ofMillis(windowMillis))
        .maximumSize(MAX_HANDED_OVER).build();
  }

  /** Keys at most whose take-over by another member this node remembers. */
  static final long MAX_HANDED_OVER = 1_000_000;

  /**
   * A take-over of a key by another member, as this node saw it.
   *
   * @param taker the member that asked for this node's copy
   * @param number the question's number on this node ({@link #handOvers()})
   * @param caughtUp whether this node's ring has had the taker since: its ring routes the key
   */
  private record Handover(RingMember taker, long number, boolean caughtUp) { }

  /**
   * Records that {@code taker} is taking {@code key} over from this node ({@link PeerOp#PEEK}).
   * Called before the copy is read, so an owner write that started before this call and is
   * applied after the read finds the record when it checks ({@link #handedOverSince}).
   */
  void handOver(Key key, RingMember taker) {
    boolean caughtUp = has(current.get(), taker);
    handedOver.put(key, new Handover(taker, handOvers.incrementAndGet(), caughtUp));
    dropHint.accept(key);
  }

  /** The number of the latest take-over question this node got, for {@link #handedOverSince}. */
  long handOvers() {
    return handOvers.get();
  }

  /**
   * Whether a member asked for {@code key} after this node's question number was {@code number}:
   * an owner write that started then may be missing from the answer.
   */
  boolean handedOverSince(Key key, long number) {
    if (handOvers.get() == number) {
      return false; // the common case: no question since the write started
    }
    Handover h = handedOver.getIfPresent(key);
    return h != null && h.number() > number;
  }

  /**
   * The member that took {@code key} over from this node while {@code ring} does not have it
   * (this node's ring is behind that member's), or {@code null}. This node's ring routes the key
   * once it has had the taker, even if the taker leaves again.
   */
  RingMember takerAhead(Key key, HashRing ring) {
    if (handedOver.asMap().isEmpty()) {
      return null; // the common case: no take-over from this node in the window
    }
    Handover h = handedOver.getIfPresent(key);
    return h == null || h.caughtUp() || has(ring, h.taker()) ? null : h.taker();
  }

  private static boolean has(HashRing ring, RingMember m) {
    for (RingMember r : ring.members()) {
      if (r.nodeId().equals(m.nodeId())) {
        return true;
      }
    }
    return false;
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
    shared = rings.stream().anyMatch(r -> r.members().size() > 1);
    if (!handedOver.asMap().isEmpty()) {
      handedOver.asMap().replaceAll((k, h) -> h.caughtUp() || !has(after, h.taker()) ? h
          : new Handover(h.taker(), h.number(), true));
    }
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
    if (rings.isEmpty() || !shared) {
      return DONE; // no previous ring had others on it: nothing to take over from anyone
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
    // The newest previous ring shared with others decides (a ring of this node alone proves
    // nothing: that is how a node starts). Held there, this node got every write of the key
    // since: its copy, or its miss, is the answer. Else its holders are asked, newest ring
    // first, and their answer replaces whatever this node kept from an older ring.
    HashRing newest = null;
    for (HashRing r : rings) {
      if (r.members().size() > 1) {
        newest = r;
        break;
      }
    }
    if (newest == null || newest.replicas(key.bytes(), copies).contains(self)) {
      return DONE;
    }
    List<RingMember> holders = new ArrayList<>();
    for (HashRing r : rings) {
      for (RingMember m : r.replicas(key.bytes(), copies)) {
        if (!m.equals(self) && !holders.contains(m)) {
          holders.add(m);
        }
      }
    }
    return takeOver(key, holders, 0);
  }

  /**
   * Asks the holders in turn for their copy ({@link PeerOp#PEEK}: their own store, no routing,
   * no take-over of theirs) and takes the first answer, a copy or a miss; only a holder the
   * question never reached passes it on (one that may have got it and not answered in time fails
   * the operation: it may be fencing the key for this node). When none answers, the key's state is
   * unknown: the operation fails with {@link StoreUnavailableException} rather than run on a copy
   * that may be missing or stale.
   */
  private CompletionStage<Void> takeOver(Key key, List<RingMember> holders, int i) {
    if (i >= holders.size()) {
      return CompletableFuture.failedFuture(
          new StoreUnavailableException("no previous holder of the key answered"));
    }
    RingMember m = holders.get(i);
    return peers.call(m, PeerOp.PEEK, current.get().epoch(), 0, key,
        out -> PeerCodec.writeMember(out, self), nestedMillis)
        .handle((e, t) -> {
          if (t != null) {
            Throwable cause = RoutingStore.cause(t);
            if (cause instanceof StoreUnavailableException) {
              // It answered that it cannot hand the key over now (an isolated section holds it):
              // it is alive and its copy counts, so the next holder's would not do.
              return CompletableFuture.<Void>failedFuture(cause);
            }
            if (cause instanceof PeerClient.Unreachable u && u.maybeSent()) {
              // It may have recorded this node as the taker and be fencing the key: a copy from
              // the next holder would be one it never answered for. The next operation asks again.
              return CompletableFuture.<Void>failedFuture(new StoreUnavailableException(
                  "the key's previous owner " + m.nodeId() + " did not answer in time"));
            }
            return takeOver(key, holders, i + 1);
          }
          if (e == null) {
            // Absent there: a copy kept here from an older ring is stale.
            return local.delete(key).thenApply(removed -> (Void) null);
          }
          takenOver.increment();
          return install(key, e, false, m);
        }).thenCompose(st -> st);
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
        (start, end) -> peers.call(source, PeerOp.READ, current.get().epoch(), 0, key, out -> {
          PeerCodec.writeEntry(out, state);
          out.writeLong(start).writeLong(end);
        }, nestedMillis));
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
        log.warn("handoff pass: cannot scan the store, trying again in 1 s", t);
        executor.schedule(() -> pushPage(before, after, cursor), 1, TimeUnit.SECONDS);
        return;
      }
      List<CompletableFuture<Void>> pushes = new ArrayList<>();
      try {
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
      } catch (RuntimeException e) {
        failures.increment(); // a page that cannot be pushed: the rest of the pass goes on
        log.warn("handoff pass: a page failed", e);
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
      }, nestedMillis).handle((v, t) -> {
        if (t == null) {
          pushed.increment();
          unpushed.remove(key);
        } else {
          failures.increment();
          unpushed.add(key); // pushed again before the drop, and kept if that fails too
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
      shared = false;
      settled.clear();
    }
    repushThenDrop(current.get());
  }

  /** Pushes once more the keys whose push failed, then drops what this node no longer holds. */
  private void repushThenDrop(HashRing ring) {
    List<CompletableFuture<Void>> again = new ArrayList<>();
    for (Key key : List.copyOf(unpushed)) {
      List<RingMember> now = ring.replicas(key.bytes(), copies);
      if (now.contains(self)) {
        unpushed.remove(key); // held here: kept anyway
        continue;
      }
      List<CompletableFuture<Void>> sends = new ArrayList<>();
      for (RingMember m : now) {
        sends.add(push(key, m, ring).toCompletableFuture());
      }
      again.add(CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)));
    }
    CompletableFuture.allOf(again.toArray(CompletableFuture[]::new))
        .whenComplete((v, t) -> dropPage(ring, 0));
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
        if (!ring.replicas(key.bytes(), copies).contains(self) && !unpushed.contains(key)) {
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
