package io.sidecache.cluster;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.sidecache.store.CacheStore;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node of a cluster (docs/cluster.md): its peer port, its Hazelcast membership, the admission
 * of other members and the {@link RoutingStore} the protocols are given.
 *
 * <p><b>Admission.</b> A member Hazelcast reports enters this node's ring only once a request to
 * its peer port succeeded, which needs the mutual {@link PeerHandshake}: a member without the
 * cluster secret is never on the ring, so no key is ever sent to it, and it can send nothing
 * here. A member not admitted yet is tried again every {@link #ADMIT_RETRY_MILLIS}.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class ClusterNode implements AutoCloseable {
  /** How often a member that could not be admitted is tried again, in milliseconds. */
  static final long ADMIT_RETRY_MILLIS = 1_000;

  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  /**
   * How a node takes part in its cluster.
   *
   * @param clusterName the Hazelcast cluster name ({@code --cluster-name})
   * @param bindHost the address the cluster and peer ports bind and advertise
   * @param clusterPort the Hazelcast member port ({@code --cluster-port}), 1..65535
   * @param peerPort the peer data port ({@code --peer-port}), 0 for an ephemeral one
   * @param join {@code host:port} cluster ports to join through ({@code --join})
   * @param nodeId this node's id, unique in the cluster
   * @param secret the cluster secret ({@code --cluster-secret}), not empty
   * @param copies the replication factor R ({@code --replicas}), at least 1
   * @param ackAll whether writes wait for every replica ({@code --write-ack all})
   * @param timeoutMillis the deadline of a request to a peer, in milliseconds
   */
  public record Settings(String clusterName, String bindHost, int clusterPort, int peerPort,
      List<String> join, String nodeId, String secret, int copies, boolean ackAll,
      long timeoutMillis) {
    /**
     * Checks the settings.
     *
     * @throws IllegalArgumentException if the secret is empty, R below 1 or the timeout not
     *     positive
     */
    public Settings {
      Objects.requireNonNull(secret, "secret");
      join = List.copyOf(join);
      if (secret.isEmpty()) {
        throw new IllegalArgumentException("the cluster secret must not be empty");
      }
      if (copies < 1) {
        throw new IllegalArgumentException("copies: " + copies + " (expected: >= 1)");
      }
      if (timeoutMillis < 1) {
        throw new IllegalArgumentException("timeoutMillis: " + timeoutMillis);
      }
    }
  }

  private final Settings settings;
  private final EventLoopGroup workers;
  private final Channel peerListener;
  private final InetSocketAddress peerAddress;
  private final PeerClient peers;
  private final RoutingStore store;
  private final ClusterMembership membership;
  private final Set<String> admitted = ConcurrentHashMap.newKeySet();
  private final Set<String> trying = ConcurrentHashMap.newKeySet();
  private long epoch;
  private boolean starting = true;
  /** Whether a member admitted so far held keys when it was: if none did, a cold start. */
  private boolean othersHoldKeys;
  private volatile HashRing members;
  private volatile boolean closed;

  private ClusterNode(CacheStore local, Settings s, PeerTls tls, EventLoopGroup acceptors,
      EventLoopGroup workers, Class<? extends ServerChannel> serverChannel,
      Class<? extends SocketChannel> channel) throws InterruptedException {
    this.settings = s;
    this.workers = workers;
    RoutingStore[] routing = new RoutingStore[1];
    Channel listener = new ServerBootstrap().group(acceptors, workers).channel(serverChannel)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new PeerServer(s.secret(), s.nodeId(), () -> routing[0].service(),
            tls == null ? null : tls.server()))
        .bind(s.bindHost(), s.peerPort()).sync().channel();
    this.peerListener = listener;
    this.peerAddress = (InetSocketAddress) listener.localAddress();
    String advertised = PeerClient.joinHostPort(s.bindHost(), peerAddress.getPort());
    this.peers = new PeerClient(workers, channel, s.secret(), s.nodeId(), s.timeoutMillis(),
        tls == null ? null : tls.client());
    RingMember self = new RingMember(s.nodeId(), advertised);
    this.store = RoutingStore.create(local, self, s.copies(), s.ackAll(), peers, workers);
    routing[0] = store;
    try {
      this.membership = ClusterMembership.start(new ClusterSettings(s.clusterName(),
          s.bindHost(), s.clusterPort(), s.join(), s.nodeId(), advertised,
          HashRing.DEFAULT_VIRTUAL_NODES));
    } catch (RuntimeException e) {
      listener.close();
      peers.close();
      throw e;
    }
    admitted.add(s.nodeId());
    membership.onRingChange(this::membersChanged);
    try {
      awaitInitialAdmission();
    } catch (InterruptedException e) {
      close();
      throw e;
    }
  }

  /**
   * Waits (at most {@link #JOIN_WAIT_MILLIS}) until every member Hazelcast reported at the start
   * is admitted, then publishes the first ring: a joining node never routes by a partial ring of
   * its own (which would make it serve keys it does not hold), and its client ports open after.
   */
  private void awaitInitialAdmission() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(JOIN_WAIT_MILLIS);
    synchronized (this) {
      while (!allAdmitted() && System.nanoTime() < deadline) {
        wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      }
      starting = false;
      publish();
    }
  }

  private boolean allAdmitted() {
    return members != null
        && members.members().stream().allMatch(m -> admitted.contains(m.nodeId()));
  }

  /** How long a starting node waits for the members it found to be admitted, in milliseconds. */
  static final long JOIN_WAIT_MILLIS = 10_000;

  /**
   * Starts a node: binds the peer port, joins the cluster and admits its members.
   *
   * @param local this node's own store
   * @param settings how to take part
   * @param tls TLS on the peer port, or {@code null} for plain TCP
   * @param acceptors the event loops that accept peer connections
   * @param workers the event loops peer connections run on (never blocked)
   * @param serverChannel the server socket class of their transport
   * @param channel the socket class of their transport
   * @return the running node
   * @throws InterruptedException if interrupted while binding
   * @throws IllegalStateException (Hazelcast's) if the member cannot start
   */
  public static ClusterNode start(CacheStore local, Settings settings, PeerTls tls,
      EventLoopGroup acceptors, EventLoopGroup workers,
      Class<? extends ServerChannel> serverChannel, Class<? extends SocketChannel> channel)
      throws InterruptedException {
    return new ClusterNode(local, settings, tls, acceptors, workers, serverChannel, channel);
  }

  /** Returns the store that routes across the cluster: give it to the protocols. */
  public RoutingStore store() {
    return store;
  }

  /** Returns the peer port's bound address. */
  public InetSocketAddress peerAddress() {
    return peerAddress;
  }

  /** Returns the Hazelcast membership. */
  public ClusterMembership membership() {
    return membership;
  }

  /** Returns the settings. */
  public Settings settings() {
    return settings;
  }

  /**
   * Returns this node's counters and ring for {@code INFO cluster}, as flat {@code name -> value}
   * fields in a stable order (numbers and strings).
   */
  public java.util.Map<String, Object> info() {
    java.util.Map<String, Object> f = new java.util.LinkedHashMap<>();
    HashRing ring = store.ring();
    RoutingStore.Stats st = store.routingStats();
    f.put("sidecache_cluster_enabled", 1);
    f.put("cluster_name", settings.clusterName());
    f.put("cluster_node_id", settings.nodeId());
    f.put("cluster_known_members", members == null ? 1 : members.members().size());
    f.put("cluster_ring_members", ring.members().size());
    f.put("cluster_ring_epoch", ring.epoch());
    f.put("cluster_replicas", settings.copies());
    f.put("cluster_write_ack", settings.ackAll() ? "all" : "one");
    f.put("cluster_owned_share", String.format(java.util.Locale.ROOT, "%.4f",
        ring.share(store.self())));
    f.put("cluster_forwarded", st.forwarded());
    f.put("cluster_failovers", st.failovers());
    f.put("cluster_unavailable", st.unavailable());
    f.put("cluster_replicated", st.replicated());
    f.put("cluster_replication_failures", st.replicationFailures());
    f.put("cluster_replica_writes", st.replicaWrites());
    f.put("cluster_hinted", st.hinted());
    f.put("cluster_replication_deferred", st.replicationDeferred());
    f.put("cluster_handoff_pushed", st.pushed());
    f.put("cluster_handoff_taken_over", st.takenOver());
    f.put("cluster_handoff_dropped", st.dropped());
    f.put("cluster_handoff_failures", st.handoffFailures());
    return f;
  }

  /**
   * Returns this node's view of its cluster for HTTP {@code /cluster}: every member Hazelcast
   * reports with its peer address, whether it is on the ring ({@code member}) or not admitted yet
   * ({@code joining}), and its share of the keys; the ring epoch; the counters of {@link #info()}.
   */
  public java.util.Map<String, Object> view() {
    HashRing ring = store.ring();
    List<Object> list = new ArrayList<>();
    List<RingMember> known = members == null ? List.of(store.self()) : members.members();
    for (RingMember m : known) {
      java.util.Map<String, Object> entry = new java.util.LinkedHashMap<>();
      entry.put("node_id", m.nodeId());
      entry.put("peer_address", m.peerAddress());
      entry.put("state", ring.members().contains(m) ? "member" : "joining");
      entry.put("share", ring.share(m));
      entry.put("self", m.nodeId().equals(settings.nodeId()));
      list.add(entry);
    }
    java.util.Map<String, Object> v = new java.util.LinkedHashMap<>();
    v.put("cluster_name", settings.clusterName());
    v.put("node_id", settings.nodeId());
    v.put("ring_epoch", ring.epoch());
    v.put("replicas", settings.copies());
    v.put("write_ack", settings.ackAll() ? "all" : "one");
    v.put("members", list);
    java.util.Map<String, Object> counters = new java.util.LinkedHashMap<>(info());
    counters.keySet().removeIf(k -> !k.startsWith("cluster_") || k.equals("cluster_name")
        || k.equals("cluster_node_id") || k.equals("cluster_ring_epoch")
        || k.equals("cluster_replicas") || k.equals("cluster_write_ack"));
    v.put("counters", counters);
    return v;
  }

  /** Hazelcast's view changed: publish its admitted members, try the others. */
  private synchronized void membersChanged(HashRing hazelcast) {
    members = hazelcast;
    Set<String> known = new HashSet<>();
    hazelcast.members().forEach(m -> known.add(m.nodeId()));
    peers.retain(known); // connections to members that left close; those being admitted stay
    publish();
    for (RingMember m : hazelcast.members()) {
      if (!admitted.contains(m.nodeId())) {
        admit(m);
      }
    }
  }

  private synchronized void publish() {
    if (starting) {
      notifyAll(); // the start waits for every member it found; it publishes then
      return;
    }
    List<RingMember> live = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    for (RingMember m : members.members()) {
      ids.add(m.nodeId());
      if (admitted.contains(m.nodeId())) {
        live.add(m);
      }
    }
    admitted.retainAll(ids);
    admitted.add(settings.nodeId());
    live.sort(null);
    if (live.equals(store.ring().members())) {
      return; // the same members: the ring stays, with its epoch
    }
    HashRing next = HashRing.of(++epoch, live, HashRing.DEFAULT_VIRTUAL_NODES);
    log.info("ring epoch {}: {} member(s) {}", next.epoch(), live.size(),
        live.stream().map(RingMember::nodeId).toList());
    store.ring(next, othersHoldKeys);
  }

  /** Pings a member through the handshake; admits it on success, else retries later. */
  private void admit(RingMember m) {
    if (closed || !trying.add(m.nodeId())) {
      return;
    }
    CompletableFuture<Long> ping;
    try {
      ping = peers.call(m, PeerOp.PING, 0, 0, null, out -> { });
    } catch (RuntimeException e) {
      trying.remove(m.nodeId());
      log.warn("member {} cannot be reached: {}", m, e.getMessage());
      return;
    }
    ping.whenComplete((keys, t) -> {
      trying.remove(m.nodeId());
      synchronized (this) {
        boolean stillMember = members.members().contains(m);
        if (t == null && stillMember) {
          admitted.add(m.nodeId());
          if (keys > 0) {
            othersHoldKeys = true;
          }
          publish();
          return;
        }
        if (!stillMember || closed) {
          return;
        }
        log.debug("member {} not admitted yet: {}", m, t.getMessage());
      }
      workers.next().schedule(() -> {
        synchronized (this) {
          if (members.members().contains(m) && !admitted.contains(m.nodeId())) {
            admit(m);
          }
        }
      }, ADMIT_RETRY_MILLIS, TimeUnit.MILLISECONDS);
    });
  }

  /** Leaves the cluster, then closes the peer port and connections. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    membership.close();
    peerListener.close().syncUninterruptibly();
    peers.close();
  }
}
