package io.sidecache.cluster;

import io.netty.buffer.ByteBuf;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ChunkLostException;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.ConcatResult;
import io.sidecache.store.CounterOptions;
import io.sidecache.store.CounterResult;
import io.sidecache.store.CrossSlotException;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.FetchResult;
import io.sidecache.store.Key;
import io.sidecache.store.ScanPage;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.StoreStats;
import io.sidecache.store.StoreUnavailableException;
import io.sidecache.store.ValueReader;
import io.sidecache.store.ValueSlice;
import io.sidecache.store.ValueStreams;
import io.sidecache.store.ValueWriter;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clustered keyspace (DESIGN.md "Cluster", docs/cluster.md): a {@link CacheStore} over this
 * node's own store that serves the keys this node owns locally and forwards the others to their
 * owner on the {@link HashRing}, so protocols never see the cluster.
 *
 * <ul>
 *   <li><b>Owner.</b> The owner runs every operation on a key, read-modify-writes included, with
 *       its store's single-node atomicity. Two-key operations ({@link #rename}, {@link #copy}) run
 *       at the owner when both keys share it (hash tags make them), else fail with {@link
 *       CrossSlotException}.
 *   <li><b>Replication.</b> After each write the owner sends the key's resulting state (the
 *       entry with its CAS version, or its absence) to the R-1 replicas, in the order the states
 *       were read, on the key's connection; a replica applies them in arrival order, keeping the
 *       owner's CAS version ({@link SetOptions.Builder#version}). With {@code ackAll} the write
 *       completes when every replica answered, else once applied at the owner; a state a
 *       replica missed is sent again later (hinted handoff), and so is one for a replica whose
 *       connection is backed up when nothing waits for it (ack one), so it never piles up.
 *   <li><b>Failover.</b> When the owner cannot be reached, a read goes to the replicas in ring
 *       order; a write goes there only when it was never sent to the owner (so it cannot be
 *       applied twice); the replica acts as owner until the ring drops the dead member.
 *   <li><b>Loops.</b> Every forwarded request carries a hop limit: a node whose ring names
 *       another owner forwards once more at most, then serves it itself; a node that handed the
 *       key over to a member its ring lacks forwards to that member, and out of hops refuses.
 * </ul>
 *
 * <p>{@link #scan}, {@link #size}, {@link #randomKey} and {@link #flush} cover every member;
 * {@link #stats} describes this node's own store.
 *
 * <p>Thread-safe; a call never blocks: local calls complete as the local store's do, forwarded
 * ones when the answer arrives on a peer connection.
 */
public final class RoutingStore implements CacheStore {
  /**
   * The deadline of a request a node makes while serving another node's (replication with ack
   * all, a take-over's question): half a call's, so the sender hears of a failure before its own
   * deadline passes.
   */
  static long nestedMillis(PeerClient peers) {
    return Math.max(1, peers.timeoutMillis() / 2);
  }

  /** Seconds an upload from another node may stay idle before its owner aborts it. */
  static final int UPLOAD_IDLE_SECONDS = 60;

  /** How many times a request may be forwarded after the first node (DESIGN.md "Cluster"). */
  public static final int MAX_HOPS = 2;

  /**
   * The most milliseconds an isolated section ({@link #isolated}) holds its keys at their owner:
   * a node that took them and died, or lost its connection, holds them no longer.
   */
  static final long ISOLATION_LEASE_MILLIS = 10_000;

  private static final Logger log = LoggerFactory.getLogger(RoutingStore.class);

  private final Shared shared;
  private final int hops;
  /** The isolated section this view's operations belong to ({@link #isolated}), or 0. */
  private final long isolation;

  /** What every hop-count view shares. */
  private static final class Shared implements PeerOp.PeerService {
    final CacheStore local;
    final RingMember self;
    final int copies;
    final boolean ackAll;
    final PeerClient peers;
    final RoutingStore[] views = new RoutingStore[MAX_HOPS + 1];
    /** Keys whose state is being sent to replicas, with the writes waiting for the next send. */
    final ConcurrentHashMap<Key, List<CompletableFuture<Void>>> replicating =
        new ConcurrentHashMap<>();
    /** Open cluster-wide SCAN iterations by cursor; an unknown cursor starts over. */
    final Cache<Long, ScanState> scans = Caffeine.newBuilder().maximumSize(4096)
        .expireAfterAccess(Duration.ofMinutes(10)).build();
    final AtomicLong nextCursor = new AtomicLong(ThreadLocalRandom.current().nextLong(1, 1L << 40));
    /** Values other nodes stream to this node as owner, by session; idle ones are aborted. */
    final Cache<Long, ValueWriter> uploads = Caffeine.newBuilder()
        .expireAfterAccess(Duration.ofSeconds(UPLOAD_IDLE_SECONDS))
        .scheduler(com.github.benmanes.caffeine.cache.Scheduler.systemScheduler())
        .<Long, ValueWriter>removalListener((id, w, cause) -> {
          if (cause.wasEvicted() && w != null) {
            w.abort();
          }
        }).build();
    final AtomicLong uploadIds = new AtomicLong();
    final Stats stats = new Stats();
    final Handoff handoff;
    final Reservations reservations;
    final ScheduledExecutorService executor;
    /** Keys whose state a replica missed, to send again ({@link RoutingStore#hint}). */
    final java.util.Set<Key> hints = ConcurrentHashMap.newKeySet();
    final java.util.concurrent.atomic.AtomicBoolean hintsScheduled =
        new java.util.concurrent.atomic.AtomicBoolean();
    volatile HashRing ring;

    Shared(CacheStore local, RingMember self, int copies, boolean ackAll, PeerClient peers,
        ScheduledExecutorService executor, long windowMillis) {
      this.local = local;
      this.self = self;
      this.copies = copies;
      this.ackAll = ackAll;
      this.peers = peers;
      this.ring = HashRing.of(0, List.of(self), 1);
      this.executor = executor;
      this.reservations = new Reservations(executor);
      this.handoff = new Handoff(local, self, copies, peers, () -> ring, executor, stats,
          windowMillis, nestedMillis(peers), hints::remove);
    }

    @Override
    public CacheStore routed(PeerOp.Route route) {
      int h = Math.min(route.hops(), MAX_HOPS);
      return route.isolation() == 0 ? views[h] : new RoutingStore(this, h, route.isolation());
    }

    @Override
    public CompletionStage<Long> reserve(long id, List<Key> keys, long leaseMillis) {
      return reservations.reserve(id, keys, Math.min(leaseMillis, ISOLATION_LEASE_MILLIS),
          nestedMillis(peers));
    }

    @Override
    public CompletionStage<Void> release(long isolation) {
      reservations.release(isolation);
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> applyReplica(Key key, Entry state, RingMember sender) {
      stats.replicaWrites.increment();
      handoff.settle(key);
      return state == null ? local.delete(key).thenApply(removed -> null)
          : handoff.install(key, state, false, sender);
    }

    @Override
    public CompletionStage<Void> applyHandoff(Key key, Entry state, RingMember sender) {
      return handoff.pushed(key, state, sender);
    }

    @Override
    public CompletionStage<byte[]> readPiece(Key key, Entry entry, long start, long end) {
      return local.read(key, entry, start, end).thenCompose(reader -> {
        if (reader == null) {
          return CompletableFuture.failedFuture(new ChunkLostException(key + " lost a chunk"));
        }
        return ValueStreams.collect(reader);
      });
    }

    @Override
    public CompletionStage<Void> flushLocal() {
      return local.flush();
    }

    @Override
    public CompletionStage<ScanPage> scanOwned(long cursor, int count) {
      HashRing r = ring;
      return local.scan(cursor, count).thenApply(page -> new ScanPage(page.keys().stream()
          .filter(k -> owns(r, k)).toList(), page.cursor()));
    }

    @Override
    public CompletionStage<Long> countOwned() {
      return countOwned(ring, 0, 0);
    }

    /** Counts a page, then the next one as a task of its own: a large store never holds a loop. */
    private CompletionStage<Long> countOwned(HashRing r, long cursor, long counted) {
      return local.scan(cursor, COUNT_PAGE).thenComposeAsync(page -> {
        long n = counted + page.keys().stream().filter(k -> owns(r, k)).count();
        return page.cursor() == 0 ? CompletableFuture.completedFuture(n)
            : countOwned(r, page.cursor(), n);
      }, executor);
    }

    /**
     * {@inheritDoc}
     *
     * <p>A key an isolated section holds here is not handed over: the question fails with {@link
     * StoreUnavailableException} (the taker's operation fails and the next one asks again), so a
     * new owner never copies a key halfway through a section, and a question never waits here
     * behind one (it would hold back the taker's other questions on its connection). The read
     * counts as an operation running on the key, so no section starts under it.
     */
    @Override
    public CompletionStage<Entry> handOver(Key key, RingMember taker) {
      reservations.enter(key, null);
      if (!reservations.isEmpty() && reservations.held(key)) {
        reservations.exit(key, null);
        return CompletableFuture.failedFuture(new StoreUnavailableException(
            "the key is held by an isolated section (MULTI/EXEC, MSETNX, RENAME) at its previous"
                + " owner; try again"));
      }
      CompletableFuture<Entry> copy;
      try {
        handoff.handOver(key, taker);
        copy = local.fetch(key, FetchOptions.PEEK)
            .thenApply(f -> f == null ? null : f.entry()).toCompletableFuture();
      } catch (RuntimeException e) {
        reservations.exit(key, null);
        throw e;
      }
      copy.whenComplete((e, t) -> reservations.exit(key, null));
      return copy;
    }

    @Override
    public CompletionStage<Long> openUpload(PeerOp.Route route, Key key, long length) {
      ValueWriter w = routed(route).writer(key, length);
      long id = uploadIds.incrementAndGet();
      uploads.put(id, w);
      return CompletableFuture.completedFuture(id);
    }

    @Override
    public CompletionStage<Void> uploadPart(long session, byte[] bytes) {
      ValueWriter w = uploads.getIfPresent(session);
      return w == null ? CompletableFuture.failedFuture(new StoreUnavailableException(
          "upload " + session + " is gone (idle too long)")) : w.write(ByteBuffer.wrap(bytes));
    }

    @Override
    public CompletionStage<SetResult> commitUpload(long session, SetOptions options) {
      ValueWriter w = uploads.asMap().remove(session);
      return w == null ? CompletableFuture.failedFuture(new StoreUnavailableException(
          "upload " + session + " is gone (idle too long)")) : w.commit(options);
    }

    @Override
    public CompletionStage<Void> abortUpload(long session) {
      ValueWriter w = uploads.asMap().remove(session);
      if (w != null) {
        w.abort();
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Long> localSize() {
      return local.size();
    }

    @Override
    public CompletionStage<Key> randomLocalKey() {
      return local.randomKey();
    }

    private boolean owns(HashRing r, Key k) {
      RingMember owner = r.owner(k.bytes());
      return owner == null || owner.nodeId().equals(self.nodeId());
    }
  }

  /** Keys a node visits per page when it counts the keys it owns. */
  private static final int COUNT_PAGE = 1024;

  /** Where a cluster-wide SCAN is: which member, and that member's own cursor. */
  private record ScanState(List<RingMember> members, int member, long cursor) {}

  /** Counters of routing, for {@code INFO}, {@code /cluster} and metrics; thread-safe. */
  public static final class Stats {
    final LongAdder forwarded = new LongAdder();
    final LongAdder failovers = new LongAdder();
    final LongAdder unavailable = new LongAdder();
    final LongAdder replicated = new LongAdder();
    final LongAdder replicationFailures = new LongAdder();
    final LongAdder replicaWrites = new LongAdder();
    final LongAdder hinted = new LongAdder();
    final LongAdder replicationDeferred = new LongAdder();
    final LongAdder pushed = new LongAdder();
    final LongAdder takenOver = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder handoffFailures = new LongAdder();

    /** Keys this node pushed to a member that joined their placement (handoff, repair). */
    public long pushed() {
      return pushed.sum();
    }

    /** Keys this node, as their new owner, fetched from a previous holder on first use. */
    public long takenOver() {
      return takenOver.sum();
    }

    /** Copies this node removed after a handoff because it no longer holds their keys. */
    public long dropped() {
      return dropped.sum();
    }

    /** Pushes, take-overs and copies that failed. */
    public long handoffFailures() {
      return handoffFailures.sum();
    }

    /** Requests this node forwarded to an owner. */
    public long forwarded() {
      return forwarded.sum();
    }

    /** Requests sent to a replica because the owner could not be reached. */
    public long failovers() {
      return failovers.sum();
    }

    /** Requests that failed because no copy of their key could be reached. */
    public long unavailable() {
      return unavailable.sum();
    }

    /** States this node, as owner, sent to replicas and had acknowledged. */
    public long replicated() {
      return replicated.sum();
    }

    /** States sent to replicas that failed (the replica was down or answered an error). */
    public long replicationFailures() {
      return replicationFailures.sum();
    }

    /**
     * States not sent to a replica whose connection was backed up (write-ack one), its key sent
     * again as a hint; each also counts as a replication failure.
     */
    public long replicationDeferred() {
      return replicationDeferred.sum();
    }

    /** States sent again after a replica missed them (hinted handoff). */
    public long hinted() {
      return hinted.sum();
    }

    /** States this node applied as a replica. */
    public long replicaWrites() {
      return replicaWrites.sum();
    }
  }

  private RoutingStore(Shared shared, int hops, long isolation) {
    this.shared = shared;
    this.hops = hops;
    this.isolation = isolation;
  }

  /**
   * Creates the routing store of a node. Until {@link #ring(HashRing)} is called, the node is
   * alone on its ring and every key is local.
   *
   * @param local this node's own store
   * @param self this node's ring entry
   * @param copies the replication factor R (owner included), at least 1
   * @param ackAll whether a write waits for every replica ({@code --write-ack all})
   * @param peers the peer connections
   * @param executor runs the background passes of {@link Handoff} (tasks that never block)
   * @return the store
   */
  static RoutingStore create(CacheStore local, RingMember self, int copies, boolean ackAll,
      PeerClient peers, ScheduledExecutorService executor) {
    return create(local, self, copies, ackAll, peers, executor, Handoff.WINDOW_MILLIS);
  }

  /** {@link #create}, with a handoff window other than {@link Handoff#WINDOW_MILLIS} (tests). */
  static RoutingStore create(CacheStore local, RingMember self, int copies, boolean ackAll,
      PeerClient peers, ScheduledExecutorService executor, long windowMillis) {
    if (copies < 1) {
      throw new IllegalArgumentException("copies: " + copies + " (expected: >= 1)");
    }
    Shared shared = new Shared(local, self, copies, ackAll, peers, executor, windowMillis);
    for (int h = 0; h <= MAX_HOPS; h++) {
      shared.views[h] = new RoutingStore(shared, h, 0);
    }
    return shared.views[MAX_HOPS];
  }

  /** The receiving side of the peer protocol, for {@link PeerServer}. */
  PeerOp.PeerService service() {
    return shared;
  }

  /** {@link #ring(HashRing, boolean)}, the other members possibly holding keys. */
  void ring(HashRing ring) {
    ring(ring, true);
  }

  /**
   * Publishes a new ring; requests from now on route by it.
   *
   * @param ring the ring, whose epoch is greater than the current one's
   * @param othersMayHoldKeys whether the other members may hold keys: {@code false} when every
   *     one answered its admission holding none (a cold start), so a node that was alone takes
   *     nothing over
   */
  void ring(HashRing ring, boolean othersMayHoldKeys) {
    HashRing before;
    synchronized (shared) {
      before = shared.ring;
      shared.ring = ring;
    }
    if (before.members().equals(ring.members())) {
      return;
    }
    HashRing others = null;
    if (before.members().equals(List.of(shared.self)) && othersMayHoldKeys) {
      // This node was alone (it just started, or was cut off): the keys it now owns and does
      // not hold were held by the others, on their ring, the one without this node.
      List<RingMember> rest = new ArrayList<>(ring.members());
      rest.remove(shared.self);
      others = rest.isEmpty() ? null : HashRing.of(0, rest, HashRing.DEFAULT_VIRTUAL_NODES);
    }
    shared.handoff.changed(before, ring, others);
  }

  /** Returns the ring requests route by now. */
  public HashRing ring() {
    return shared.ring;
  }

  /** Returns this node's ring entry. */
  public RingMember self() {
    return shared.self;
  }

  /** Returns the replication factor R. */
  public int copies() {
    return shared.copies;
  }

  /** Returns the routing counters. */
  public Stats routingStats() {
    return shared.stats;
  }

  /** Returns this node's own store. */
  public CacheStore local() {
    return shared.local;
  }

  // ---- routing

  /** Where a key lives now: its owner first, then its replicas. */
  private List<RingMember> placement(Key key) {
    return shared.ring.replicas(key.bytes(), shared.copies);
  }

  private boolean isSelf(RingMember m) {
    return m.nodeId().equals(shared.self.nodeId());
  }

  private <R> CompletionStage<R> routeRead(Key key, PeerOp<R> op, Consumer<ByteBuf> args,
      Supplier<CompletionStage<R>> local) {
    return route(key, false, op, args, local);
  }

  private <R> CompletionStage<R> routeWrite(Key key, PeerOp<R> op, Consumer<ByteBuf> args,
      Supplier<CompletionStage<R>> local) {
    return route(key, true, op, args, local);
  }

  private <R> CompletionStage<R> route(Key key, boolean write, PeerOp<R> op,
      Consumer<ByteBuf> args, Supplier<CompletionStage<R>> local) {
    return route(key, null, write, op, args, local);
  }

  /**
   * Runs an operation where its key lives: here when this node owns it, else at the owner (or a
   * replica when the owner is down), or at the member that took the key over from this node while
   * this node's ring does not have that member yet (Handoff, "One owner at a time").
   *
   * @param also a second key the operation changes, with the same owner (the target of {@link
   *     #rename} and {@link #copy}), or {@code null}
   */
  private <R> CompletionStage<R> route(Key key, Key also, boolean write, PeerOp<R> op,
      Consumer<ByteBuf> args, Supplier<CompletionStage<R>> local) {
    // Read before the look for a taker: a question after it fails the write (ownedNow).
    long asked = shared.handoff.handOvers();
    List<RingMember> placement = placement(key);
    if (placement.isEmpty()) {
      return owned(key, also, write, op, args, local, false, asked);
    }
    if (!isSelf(placement.get(0))) {
      return hops == 0 ? owned(key, also, write, op, args, local, false, asked) // no loop
          : forward(key, also, write, op, args, local, placement, 0, null);
    }
    RingMember taker = takerAhead(key, also);
    if (taker == null) {
      return owned(key, also, write, op, args, local, true, asked);
    }
    return hops == 0 ? CompletableFuture.failedFuture(movedTo(taker))
        : forward(key, also, write, op, args, local, List.of(taker), 0, null);
  }

  /** The member that took {@code key} or {@code also} over and this node's ring lacks, or null. */
  private RingMember takerAhead(Key key, Key also) {
    HashRing ring = shared.ring;
    RingMember taker = shared.handoff.takerAhead(key, ring);
    return taker != null || also == null ? taker : shared.handoff.takerAhead(also, ring);
  }

  private static StoreUnavailableException movedTo(RingMember taker) {
    return new StoreUnavailableException("the key moved to " + taker.nodeId()
        + ", which this node's ring does not have yet, and the request may not be forwarded again");
  }

  /**
   * Runs an operation here as the keys' owner (or acting owner), once no other isolated section
   * holds its keys ({@link Reservations}): an operation of a section runs at once, one of none
   * waits for the section to end and is then routed again from the start (the ring, or a
   * take-over, may have sent the key elsewhere meanwhile). The operation counts as running on its
   * keys from before it looks for a section until its local step completes.
   *
   * @param op the operation as forwarded, to route it again; {@code null} to run it here again
   * @param fenced as {@link #ownedNow}
   * @param asked the take-over questions this node had got when the operation was routed
   */
  private <R> CompletionStage<R> owned(Key key, Key also, boolean write, PeerOp<R> op,
      Consumer<ByteBuf> args, Supplier<CompletionStage<R>> local, boolean fenced, long asked) {
    Reservations held = shared.reservations;
    held.enter(key, also);
    if (isolation != 0 || !held.isEmpty()) {
      if (isolation != 0 && !held.holds(isolation)) {
        held.exit(key, also);
        return CompletableFuture.failedFuture(new StoreUnavailableException("the isolated section"
            + " ended at the keys' owner (its lease of " + ISOLATION_LEASE_MILLIS + " ms passed,"
            + " or the keys moved)"));
      }
      CompletableFuture<R> later = new CompletableFuture<>();
      Runnable retry = () -> {
        CompletionStage<R> again;
        try {
          again = op != null ? route(key, also, write, op, args, local)
              : owned(key, also, write, null, args, local, fenced, shared.handoff.handOvers());
        } catch (RuntimeException e) {
          again = CompletableFuture.failedFuture(e);
        }
        again.whenComplete((v, t) -> {
          if (t != null) {
            later.completeExceptionally(cause(t));
          } else {
            later.complete(v);
          }
        });
      };
      if (!held.proceed(key, isolation, retry)
          || also != null && !held.proceed(also, isolation, retry)) {
        held.exit(key, also); // not running while it waits: the section waits for running ones
        return later;
      }
    }
    try {
      return ownedNow(key, also, write, local, fenced, asked, () -> held.exit(key, also));
    } catch (RuntimeException e) {
      held.exit(key, also);
      throw e;
    }
  }

  /**
   * Runs an operation here as the keys' owner (or acting owner): locally, then replicated.
   *
   * @param also a second key the operation changes, or {@code null}
   * @param fenced whether this node runs it as the owner by its ring: then a write during which
   *     another member asked to take a key over from this node (a question after {@code asked})
   *     fails with {@link StoreUnavailableException} and is not replicated, since the taker's
   *     copy may lack it (Handoff, "One owner at a time"); it is not acknowledged, though it may
   *     have taken effect. An acting owner (the owner is unreachable) and a request out of hops
   *     are not fenced.
   * @param asked the take-over questions this node had got before it looked for a taker
   * @param applied run once the local step completed, however; not when this method throws
   */
  private <R> CompletionStage<R> ownedNow(Key key, Key also, boolean write,
      Supplier<CompletionStage<R>> local, boolean fenced, long asked, Runnable applied) {
    Handoff handoff = shared.handoff;
    CompletableFuture<R> done = (!handoff.active() ? local.get()
        : handoff.beforeOwnerOp(key).thenCompose(v -> also == null ? local.get()
            : handoff.beforeOwnerOp(also).thenCompose(w -> local.get()))).toCompletableFuture();
    if (done.isDone()) {
      applied.run();
    } else {
      done.whenComplete((v, t) -> applied.run());
    }
    if (!write) {
      return done;
    }
    CompletionStage<R> checked = !fenced ? done : done.thenApply(r -> {
      if (handoff.handedOverSince(key, asked)
          || also != null && handoff.handedOverSince(also, asked)) {
        throw new StoreUnavailableException("another member took the key over while the write"
            + " ran; it may have taken effect");
      }
      return r;
    });
    return shared.copies == 1 ? checked : checked.thenCompose(r -> replicated(key, also, r));
  }

  /** Replicates the keys after a write that returned {@code r}; waits for it with ack all. */
  private <R> CompletionStage<R> replicated(Key key, Key also, R r) {
    CompletionStage<Void> replicated = replicate(key);
    if (also != null) {
      replicated = replicated.thenCombine(replicate(also), (a, b) -> null);
    }
    return shared.ackAll ? replicated.thenApply(v -> r) : CompletableFuture.completedFuture(r);
  }

  private <R> CompletionStage<R> forward(Key key, Key also, boolean write, PeerOp<R> op,
      Consumer<ByteBuf> args, Supplier<CompletionStage<R>> local, List<RingMember> placement,
      int i, Throwable last) {
    if (i >= placement.size()) {
      shared.stats.unavailable.increment();
      return CompletableFuture.failedFuture(new StoreUnavailableException("no copy of the key is"
          + " reachable: " + (last == null ? "?" : last.getMessage())));
    }
    RingMember m = placement.get(i);
    if (i > 0) {
      shared.stats.failovers.increment();
    }
    if (isSelf(m)) {
      // A replica serving for an owner that is down.
      return owned(key, also, write, op, args, local, false, shared.handoff.handOvers());
    }
    if (shared.peers.isDown(m) && i + 1 < placement.size() && !write) {
      return forward(key, also, write, op, args, local, placement, i + 1, last);
    }
    shared.stats.forwarded.increment();
    return shared.peers.call(m, op, shared.ring.epoch(), new PeerOp.Route(hops - 1, isolation),
        key, args, shared.peers.timeoutMillis())
        .exceptionallyCompose(t -> {
          Throwable cause = cause(t);
          boolean retry = cause instanceof PeerClient.Unreachable u && (!write || !u.maybeSent());
          return retry
              ? forward(key, also, write, op, args, local, placement, i + 1, cause)
              : CompletableFuture.failedFuture(cause instanceof PeerClient.Unreachable
                  ? new StoreUnavailableException(cause.getMessage()) : cause);
        });
  }

  /** A failure as the store threw it, unwrapped from a stage's {@link CompletionException}. */
  static Throwable cause(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /**
   * Sends a key's current state to its replicas, read after the write that asks for it. One send
   * per key runs at a time, and writes that ask while it runs share the next one (their state is
   * read once, after all of them), so states leave in the order they were read.
   *
   * @return a stage completed when every replica answered the send that covered this write,
   *     successfully or not
   */
  private CompletionStage<Void> replicate(Key key) {
    CompletableFuture<Void> acked = new CompletableFuture<>();
    boolean[] start = new boolean[1];
    shared.replicating.compute(key, (k, waiting) -> {
      if (waiting == null) {
        waiting = new ArrayList<>();
        start[0] = true; // no send runs for the key: this caller runs them
      }
      waiting.add(acked);
      return waiting;
    });
    if (start[0]) {
      sendStates(key);
    }
    return acked;
  }

  /** Sends the key's state for the writes waiting, until none waits; then lets the key go. */
  private void sendStates(Key key) {
    for (int round = 0; ; round++) {
      if (round == MAX_ROUNDS_INLINE) {
        shared.executor.execute(() -> sendStates(key)); // a hot key: let the loop run others
        return;
      }
      List<CompletableFuture<Void>> batch = new ArrayList<>();
      shared.replicating.computeIfPresent(key, (k, waiting) -> {
        batch.addAll(waiting);
        return new ArrayList<>();
      });
      CompletableFuture<FetchResult> state =
          shared.local.fetch(key, FetchOptions.PEEK).toCompletableFuture();
      if (!state.isDone()) {
        state.whenComplete((f, t) -> {
          send(key, f, t, batch);
          if (more(key)) {
            sendStates(key);
          }
        });
        return;
      }
      send(key, state.getNow(null), null, batch);
      if (!more(key)) {
        return;
      }
    }
  }

  /**
   * Hinted handoff: a state a replica did not get is sent again ({@link #HINT_DELAY_MILLIS}
   * later, the key's current state, to its replicas then), while fewer than {@link #MAX_HINTS}
   * keys wait; beyond that the failure is only counted and the next ring change's repair pass
   * restores the copy.
   */
  private void hint(Key key) {
    shared.stats.replicationFailures.increment();
    if (shared.hints.size() >= MAX_HINTS || !shared.hints.add(key)) {
      return;
    }
    if (shared.hintsScheduled.compareAndSet(false, true)) {
      shared.executor.schedule((Runnable) this::sendHints, HINT_DELAY_MILLIS,
          java.util.concurrent.TimeUnit.MILLISECONDS);
    }
  }

  private void sendHints() {
    shared.hintsScheduled.set(false);
    List<Key> due = new ArrayList<>(shared.hints);
    due.forEach(shared.hints::remove);
    sendHints(due, 0);
  }

  /**
   * Sends {@link #HINTS_PER_TASK} of the due hints, then the next ones as a task of their own: a
   * loop is never held for 100,000 keys, and a connection that backs up meanwhile defers the
   * rest again ({@link #send}).
   */
  private void sendHints(List<Key> due, int from) {
    int to = Math.min(due.size(), from + HINTS_PER_TASK);
    for (int i = from; i < to; i++) {
      shared.stats.hinted.increment();
      replicate(due.get(i));
    }
    if (to < due.size()) {
      shared.executor.execute(() -> sendHints(due, to));
    }
  }

  /** Hinted keys sent per task. */
  private static final int HINTS_PER_TASK = 1024;

  /** Sends of one key run in one go before the rest go to the executor. */
  private static final int MAX_ROUNDS_INLINE = 16;

  /** Keys at most waiting to be sent again to a replica that missed them. */
  static final int MAX_HINTS = 100_000;
  /** How long after a failed send a key's state is sent again, in milliseconds. */
  static final long HINT_DELAY_MILLIS = 1_000;

  /** Whether writes asked for another send meanwhile; if not, the key is let go. */
  private boolean more(Key key) {
    return shared.replicating.computeIfPresent(key, (k, w) -> w.isEmpty() ? null : w) != null;
  }

  private void send(Key key, FetchResult f, Throwable t, List<CompletableFuture<Void>> batch) {
    List<CompletableFuture<Void>> acks = new ArrayList<>();
    if (t != null) {
      shared.stats.replicationFailures.increment();
      log.warn("cannot read {} to replicate it", key, cause(t));
    } else {
      Entry state = f == null ? null : f.entry();
      HashRing ring = shared.ring;
      for (RingMember m : ring.replicas(key.bytes(), shared.copies)) {
        if (isSelf(m)) {
          continue;
        }
        if (shared.peers.isDown(m)) {
          hint(key); // not sent: a connection to it just failed
        } else if (!shared.ackAll && shared.peers.backedUp(m, key)) {
          // With write-ack one nothing waits for the replica, so states would pile up unsent
          // without bound: this one is not sent, and the key's state then goes as a hint.
          shared.stats.replicationDeferred.increment();
          hint(key);
        } else {
          acks.add(shared.peers.call(m, PeerOp.REPLICATE, ring.epoch(), 0, key, out -> {
            PeerCodec.writeEntry(out, state);
            PeerCodec.writeMember(out, shared.self);
          }, nestedMillis(shared.peers)).whenComplete((v, e) -> {
            if (e == null) {
              shared.stats.replicated.increment();
            } else {
              hint(key);
            }
          }));
        }
      }
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new))
        .whenComplete((v, e) -> batch.forEach(w -> w.complete(null)));
  }

  // ---- reads

  @Override
  public CompletionStage<Entry> get(Key key) {
    return routeRead(key, PeerOp.GET, out -> { }, () -> shared.local.get(key));
  }

  @Override
  public CompletionStage<FetchResult> fetch(Key key, FetchOptions options) {
    boolean changes = options.touchExpiresAt() != NOT_SET || options.vivifyExpiresAt() != NOT_SET
        || options.recacheBefore() != NOT_SET;
    return route(key, changes, PeerOp.FETCH, out -> PeerCodec.writeFetchOptions(out, options),
        () -> shared.local.fetch(key, options));
  }

  @Override
  public CompletionStage<ValueSlice> getRange(Key key, long start, long end) {
    return routeRead(key, PeerOp.GET_RANGE, out -> out.writeLong(start).writeLong(end),
        () -> shared.local.getRange(key, start, end));
  }

  /**
   * {@inheritDoc}
   *
   * <p>A chunked entry another node returned is read from that node, piece by piece: its
   * manifest names that node's chunks (a manifest means nothing to another node's store), and
   * that node keeps an entry it returned readable for a while even when the key changes, as one
   * node does ({@link PeerClient#originOf}).
   */
  @Override
  public CompletionStage<ValueReader> read(Key key, Entry entry, long start, long end) {
    RingMember origin = entry.isChunked() ? shared.peers.originOf(entry) : null;
    if (origin == null) {
      return shared.local.read(key, entry, start, end);
    }
    long[] range = ValueSlice.resolve(entry.length(), start, end);
    RemoteReader reader = new RemoteReader(key, entry, range[0], range[1], streamingThreshold(),
        (from, to) -> readPiece(origin, key, entry, from, to));
    return reader.first();
  }

  /** Reads {@code [start, end]} of a chunked entry from the node that returned it. */
  CompletionStage<byte[]> readPiece(RingMember origin, Key key, Entry entry, long start,
      long end) {
    return call(origin, PeerOp.READ, key, out -> {
      PeerCodec.writeEntry(out, entry);
      out.writeLong(start).writeLong(end);
    });
  }

  /**
   * A reader of a whole chunked value held on another node, piece by piece from {@code source}.
   *
   * @param key the key
   * @param entry the entry as that node holds it
   * @param pieceBytes the most bytes per piece
   * @param source reads {@code [start, end]} of the value's version
   */
  static ValueReader remoteReader(Key key, Entry entry, long pieceBytes, PieceSource source) {
    return new RemoteReader(key, entry, 0, entry.length(), pieceBytes, source);
  }

  @Override
  public long streamingThreshold() {
    return shared.local.streamingThreshold();
  }

  /**
   * {@inheritDoc}
   *
   * <p>In a cluster the value streams to where {@link #route} would send a write of the key; out
   * of hops, a node that owns the key by its ring but handed it over refuses the commit.
   */
  @Override
  public ValueWriter writer(Key key, long length) {
    long asked = shared.handoff.handOvers(); // before the look for a taker, as route()
    List<RingMember> placement = placement(key);
    boolean owner = placement.isEmpty() || isSelf(placement.get(0));
    RingMember to = placement.isEmpty() ? null : owner ? takerAhead(key, null) : placement.get(0);
    if (to != null && hops > 0) {
      return new RemoteWriter(new RemoteWriter.Owner() {
        @Override
        public <R> CompletionStage<R> call(PeerOp<R> op, Consumer<ByteBuf> args) {
          shared.stats.forwarded.increment();
          return RoutingStore.this.call(to, op, key, args, hops - 1);
        }
      }, length);
    }
    ValueWriter w = shared.local.writer(key, length);
    return new ValueWriter() {
      @Override
      public CompletionStage<Void> write(ByteBuffer bytes) {
        return w.write(bytes);
      }

      @Override
      public CompletionStage<SetResult> commit(SetOptions options) {
        if (owner && to != null) {
          w.abort();
          return CompletableFuture.failedFuture(movedTo(to));
        }
        return owned(key, null, true, null, null, () -> w.commit(options), owner, asked);
      }

      @Override
      public void abort() {
        w.abort();
      }
    };
  }

  @Override
  public CompletionStage<Boolean> exists(Key key) {
    return routeRead(key, PeerOp.EXISTS, out -> { }, () -> shared.local.exists(key));
  }

  @Override
  public CompletionStage<Long> ttl(Key key) {
    return routeRead(key, PeerOp.TTL, out -> { }, () -> shared.local.ttl(key));
  }

  // ---- writes

  @Override
  public CompletionStage<SetResult> set(Key key, byte[] value, SetOptions options) {
    return routeWrite(key, PeerOp.SET, out -> {
      PeerCodec.writeBytes(out, value);
      PeerCodec.writeSetOptions(out, options);
    }, () -> shared.local.set(key, value, options));
  }

  @Override
  public CompletionStage<Boolean> delete(Key key) {
    return routeWrite(key, PeerOp.DELETE, out -> { }, () -> shared.local.delete(key));
  }

  @Override
  public CompletionStage<SetResult.Outcome> delete(Key key, DeleteOptions options) {
    return routeWrite(key, PeerOp.DELETE_IF, out -> PeerCodec.writeDeleteOptions(out, options),
        () -> shared.local.delete(key, options));
  }

  @Override
  public CompletionStage<Long> incrementBy(Key key, long delta) {
    return routeWrite(key, PeerOp.INCREMENT, out -> out.writeLong(delta),
        () -> shared.local.incrementBy(key, delta));
  }

  @Override
  public CompletionStage<Long> incrementUnsigned(Key key, long delta, boolean decrement) {
    return routeWrite(key, PeerOp.INCREMENT_UNSIGNED, out -> out.writeLong(delta).writeBoolean(decrement),
        () -> shared.local.incrementUnsigned(key, delta, decrement));
  }

  @Override
  public CompletionStage<CounterResult> incrementUnsigned(
      Key key, long delta, boolean decrement, CounterOptions options) {
    return routeWrite(key, PeerOp.ARITHMETIC, out -> {
      out.writeLong(delta).writeBoolean(decrement);
      PeerCodec.writeCounterOptions(out, options);
    }, () -> shared.local.incrementUnsigned(key, delta, decrement, options));
  }

  @Override
  public CompletionStage<ConcatResult> concat(Key key, byte[] part, ConcatOptions options) {
    return routeWrite(key, PeerOp.CONCAT, out -> {
      PeerCodec.writeBytes(out, part);
      PeerCodec.writeConcatOptions(out, options);
    }, () -> shared.local.concat(key, part, options));
  }

  @Override
  public CompletionStage<Boolean> expire(Key key, long expiresAt, ExpireCondition condition) {
    return routeWrite(key, PeerOp.EXPIRE, out -> {
      out.writeLong(expiresAt);
      PeerCodec.writeExpireCondition(out, condition);
    }, () -> shared.local.expire(key, expiresAt, condition));
  }

  @Override
  public CompletionStage<Entry> getAndTouch(Key key, long expiresAt) {
    return routeWrite(key, PeerOp.GET_AND_TOUCH, out -> out.writeLong(expiresAt),
        () -> shared.local.getAndTouch(key, expiresAt));
  }

  @Override
  public CompletionStage<Entry> getAndDelete(Key key) {
    return routeWrite(key, PeerOp.GET_AND_DELETE, out -> { }, () -> shared.local.getAndDelete(key));
  }

  @Override
  public CompletionStage<Long> setRange(Key key, long offset, byte[] bytes) {
    return routeWrite(key, PeerOp.SET_RANGE, out -> {
      out.writeLong(offset);
      PeerCodec.writeBytes(out, bytes);
    }, () -> shared.local.setRange(key, offset, bytes));
  }

  @Override
  public CompletionStage<java.util.List<Long>> bitField(Key key, io.sidecache.store.BitField field) {
    // GETBIT and BITFIELD_RO are reads: served by a replica when the owner is down, not
    // replicated.
    return field.writes()
        ? routeWrite(key, PeerOp.BIT_FIELD, out -> PeerCodec.writeBitField(out, field),
            () -> shared.local.bitField(key, field))
        : routeRead(key, PeerOp.BIT_FIELD, out -> PeerCodec.writeBitField(out, field),
            () -> shared.local.bitField(key, field));
  }

  @Override
  public CompletionStage<byte[]> incrementByFloat(Key key, byte[] increment) {
    return routeWrite(key, PeerOp.INCREMENT_FLOAT, out -> PeerCodec.writeBytes(out, increment),
        () -> shared.local.incrementByFloat(key, increment));
  }

  @Override
  public CompletionStage<SetResult.Outcome> rename(Key from, Key to, boolean onlyIfAbsent) {
    return twoKeys(from, to, PeerOp.RENAME, out -> {
      PeerCodec.writeKey(out, to);
      out.writeBoolean(onlyIfAbsent);
    }, () -> shared.local.rename(from, to, onlyIfAbsent));
  }

  @Override
  public CompletionStage<SetResult.Outcome> copy(Key from, Key to, boolean replace) {
    return twoKeys(from, to, PeerOp.COPY, out -> {
      PeerCodec.writeKey(out, to);
      out.writeBoolean(replace);
    }, () -> shared.local.copy(from, to, replace));
  }

  /** {@inheritDoc} In a cluster: every key has the same owner on this node's ring. */
  @Override
  public boolean colocated(java.util.Collection<Key> keys) {
    HashRing ring = shared.ring;
    RingMember first = null;
    for (Key k : keys) {
      RingMember owner = ring.owner(k.bytes());
      if (first == null) {
        first = owner;
      } else if (owner != null && !owner.equals(first)) {
        return false;
      }
    }
    return true;
  }

  /**
   * {@inheritDoc}
   *
   * <p>In a cluster the keys' owner (or the member this node handed them to) takes them for the
   * section ({@link PeerOp#RESERVE}, {@link Reservations}): the section's operations, on the store
   * it is given, carry the section's id, and every other operation on the keys, from any node,
   * waits at the owner until the section's stage completes ({@link PeerOp#RELEASE}) or its lease
   * of {@link #ISOLATION_LEASE_MILLIS} passes, after which the section's operations fail. Inside
   * a section, it runs the section at once. The section is not failed over: while the owner
   * cannot be reached it fails with {@link StoreUnavailableException}.
   */
  @Override
  public <T> CompletionStage<T> isolated(java.util.Collection<Key> keys,
      java.util.function.Function<CacheStore, ? extends CompletionStage<T>> section) {
    if (isolation != 0 || keys.isEmpty()) {
      return section.apply(this); // a command queued by MULTI runs in EXEC's section
    }
    List<Key> list = List.copyOf(keys);
    if (!colocated(list)) {
      return CompletableFuture.failedFuture(new CrossSlotException());
    }
    List<RingMember> placement = placement(list.get(0));
    RingMember at = null; // where the keys are taken: null for this node
    if (!placement.isEmpty() && hops > 0) {
      if (!isSelf(placement.get(0))) {
        at = placement.get(0);
      } else {
        for (int i = 0; at == null && i < list.size(); i++) {
          at = takerAhead(list.get(i), null); // the operations will go there
        }
      }
    }
    long id = Reservations.newId();
    if (at == null) {
      Reservations held = shared.reservations;
      return held.reserve(id, list, ISOLATION_LEASE_MILLIS, nestedMillis(shared.peers))
          .thenCompose(granted -> inSection(id, section, () -> held.release(id)));
    }
    RingMember owner = at;
    Runnable release = () -> call(owner, PeerOp.RELEASE, null, out -> out.writeLong(id));
    return call(owner, PeerOp.RESERVE, null, out -> {
      out.writeLong(id);
      PeerCodec.writeKeys(out, list);
      out.writeLong(ISOLATION_LEASE_MILLIS);
    }).handle((granted, t) -> {
      if (t != null) {
        release.run(); // a grant that comes after the answer was given up on holds nothing
        return CompletableFuture.<T>failedFuture(cause(t));
      }
      return inSection(id, section, release);
    }).thenCompose(stage -> stage);
  }

  /** Runs a section on a view of this store in section {@code id}; ends it when its stage does. */
  private <T> CompletionStage<T> inSection(long id,
      java.util.function.Function<CacheStore, ? extends CompletionStage<T>> section,
      Runnable release) {
    CompletionStage<T> stage;
    try {
      stage = section.apply(new RoutingStore(shared, MAX_HOPS, id));
    } catch (RuntimeException e) {
      release.run();
      return CompletableFuture.failedFuture(e);
    }
    return stage.whenComplete((v, t) -> release.run());
  }

  /**
   * A write of two keys that must share an owner; both keys are taken over, fenced and replicated
   * ({@link #owned}).
   */
  private CompletionStage<SetResult.Outcome> twoKeys(Key from, Key to,
      PeerOp<SetResult.Outcome> op, Consumer<ByteBuf> args,
      Supplier<CompletionStage<SetResult.Outcome>> local) {
    if (!colocated(List.of(from, to))) {
      return CompletableFuture.failedFuture(new CrossSlotException());
    }
    return route(from, to, true, op, args, local);
  }

  // ---- the whole cluster

  /**
   * {@inheritDoc}
   *
   * <p>In a cluster: the members in node id order, each member's keys it owns, so each key is
   * returned by its owner only. The guarantee holds while the membership does not change; when
   * it changes, keys that moved may be missed or repeated.
   */
  @Override
  public CompletionStage<ScanPage> scan(long cursor, int count) {
    ScanState state = cursor == 0 ? null : shared.scans.asMap().remove(cursor);
    if (state == null) {
      state = new ScanState(shared.ring.members(), 0, 0);
    }
    if (state.members().isEmpty()) {
      return shared.local.scan(cursor, count);
    }
    return scan(state, count, List.of());
  }

  /** One member's page; a member that is done with room left in the page goes on to the next. */
  private CompletionStage<ScanPage> scan(ScanState at, int count, List<Key> before) {
    RingMember m = at.members().get(at.member());
    CompletionStage<ScanPage> page = isSelf(m) ? shared.scanOwned(at.cursor(), count)
        : call(m, PeerOp.SCAN, null, out -> out.writeLong(at.cursor()).writeInt(count));
    return page.thenCompose(p -> {
      List<Key> keys = before.isEmpty() ? p.keys() : concat(before, p.keys());
      if (p.cursor() == 0 && at.member() + 1 < at.members().size() && keys.size() < count) {
        return scan(new ScanState(at.members(), at.member() + 1, 0), count - keys.size(), keys);
      }
      ScanState next = p.cursor() != 0 ? new ScanState(at.members(), at.member(), p.cursor())
          : at.member() + 1 < at.members().size()
              ? new ScanState(at.members(), at.member() + 1, 0) : null;
      if (next == null) {
        return CompletableFuture.completedFuture(new ScanPage(keys, 0));
      }
      long id = shared.nextCursor.incrementAndGet();
      shared.scans.put(id, next);
      return CompletableFuture.completedFuture(new ScanPage(keys, id));
    });
  }

  private static List<Key> concat(List<Key> a, List<Key> b) {
    List<Key> all = new ArrayList<>(a.size() + b.size());
    all.addAll(a);
    all.addAll(b);
    return all;
  }

  /** A call to one member, its failure to reach it as {@link StoreUnavailableException}. */
  private <R> CompletionStage<R> call(RingMember m, PeerOp<R> op, Key key,
      Consumer<ByteBuf> args) {
    return call(m, op, key, args, 0);
  }

  private <R> CompletionStage<R> call(RingMember m, PeerOp<R> op, Key key,
      Consumer<ByteBuf> args, int hops) {
    return shared.peers.call(m, op, shared.ring.epoch(), new PeerOp.Route(hops, isolation), key,
        args, shared.peers.timeoutMillis()).exceptionallyCompose(t -> {
      Throwable c = cause(t);
      return CompletableFuture.failedFuture(c instanceof PeerClient.Unreachable
          ? new StoreUnavailableException(c.getMessage()) : c);
    });
  }

  /** {@inheritDoc} In a cluster: this node's store first, then each other member's. */
  @Override
  public CompletionStage<Key> randomKey() {
    List<RingMember> others = shared.ring.members().stream().filter(m -> !isSelf(m)).toList();
    return shared.local.randomKey().thenCompose(k -> randomKey(k, others, 0));
  }

  private CompletionStage<Key> randomKey(Key found, List<RingMember> others, int i) {
    if (found != null || i >= others.size()) {
      return CompletableFuture.completedFuture(found);
    }
    return call(others.get(i), PeerOp.RANDOM_KEY, null, out -> { })
        .thenCompose(k -> randomKey(k, others, i + 1));
  }

  /**
   * {@inheritDoc}
   *
   * <p>In a cluster: the sum of the keys each member owns, each member visiting all of its keys
   * to count them, so O(N) where Redis's is O(1).
   */
  @Override
  public CompletionStage<Long> size() {
    List<RingMember> members = shared.ring.members();
    if (members.isEmpty()) {
      return shared.local.size();
    }
    List<CompletableFuture<Long>> counts = new ArrayList<>();
    for (RingMember m : members) {
      counts.add((isSelf(m) ? shared.countOwned() : call(m, PeerOp.SIZE, null, out -> { }))
          .toCompletableFuture());
    }
    return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new))
        .thenApply(v -> counts.stream().mapToLong(CompletableFuture::join).sum());
  }

  // ---- this node

  @Override
  public StoreStats stats() {
    return shared.local.stats();
  }

  /** Empties this node's store and every other member's (Redis {@code FLUSHALL}). */
  @Override
  public CompletionStage<Void> flush() {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    all.add(shared.local.flush().toCompletableFuture());
    HashRing ring = shared.ring;
    if (hops > 0) {
      for (RingMember m : ring.members()) {
        if (!isSelf(m)) {
          all.add(call(m, PeerOp.FLUSH, null, out -> { }).toCompletableFuture());
        }
      }
    }
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
  }

  /** Reads {@code [start, end]} of a value from some node. */
  @FunctionalInterface
  interface PieceSource {
    CompletionStage<byte[]> read(long start, long end);
  }

  /**
   * Reads a chunked value held on another node piece by piece ({@link PeerOp#READ}), each piece
   * at most a chunk, from a copy of the version it was opened on. A piece that finds the key
   * changed fails with {@link ChunkLostException}, as a lost chunk does; when the first piece
   * does, the value is a miss. Not thread-safe, as {@link ValueReader}.
   */
  private static final class RemoteReader implements ValueReader {
    private final Key key;
    private final Entry entry;
    private final long offset;
    private final long length;
    private final long pieceBytes;
    private final PieceSource source;
    private long done;
    private byte[] prefetched;

    RemoteReader(Key key, Entry entry, long offset, long length, long pieceBytes,
        PieceSource source) {
      this.key = key;
      this.entry = entry;
      this.offset = offset;
      this.length = length;
      this.pieceBytes = Math.max(1, Math.min(pieceBytes, 1 << 20));
      this.source = source;
    }

    /** Reads the first piece: a value already gone is a miss ({@code null}). */
    CompletionStage<ValueReader> first() {
      if (length == 0) {
        return CompletableFuture.completedFuture(this);
      }
      return piece().handle((b, t) -> {
        if (t != null) {
          if (cause(t) instanceof ChunkLostException) {
            return null;
          }
          throw new CompletionException(cause(t));
        }
        prefetched = b;
        return this;
      });
    }

    private CompletionStage<byte[]> piece() {
      long start = offset + done;
      return source.read(start, start + Math.min(length - done, pieceBytes) - 1);
    }

    @Override
    public Entry entry() {
      return entry;
    }

    @Override
    public long offset() {
      return offset;
    }

    @Override
    public long length() {
      return length;
    }

    @Override
    public CompletionStage<ByteBuffer> next() {
      if (done >= length) {
        return CompletableFuture.completedFuture(null);
      }
      CompletionStage<byte[]> next;
      if (prefetched != null) {
        next = CompletableFuture.completedFuture(prefetched);
        prefetched = null;
      } else {
        next = piece();
      }
      return next.thenApply(b -> {
        if (b.length == 0) {
          throw new ChunkLostException(key + " ended early");
        }
        done += b.length;
        return ByteBuffer.wrap(b).asReadOnlyBuffer();
      });
    }

    @Override
    public void close() {
      prefetched = null;
    }
  }
}
