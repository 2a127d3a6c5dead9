package io.sidecache.cluster;

import com.hazelcast.cluster.InitialMembershipEvent;
import com.hazelcast.cluster.InitialMembershipListener;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of the cluster: an embedded Hazelcast member used for membership only (no
 * IMap, no other Hazelcast data structure; DESIGN.md "Cluster"), and the {@link HashRing} built
 * from the live members, published as an immutable snapshot on every membership change.
 *
 * <p>The member joins by TCP/IP through the configured addresses (multicast and auto-detection
 * off), advertises its node id and peer address as the member attributes {@value #NODE_ID} and
 * {@value #PEER_ADDRESS}, and is tuned to detect a dead peer fast and to stay small:
 *
 * <ul>
 *   <li>heartbeats every second, a member without one for 5 s is removed (Hazelcast's defaults
 *       are 5 s and 60 s);
 *   <li>one thread each for partition operations, generic operations, I/O in and out and events;
 *       7 partitions, as no data lives in them; Jet, Hazelcast's own metrics and health monitor
 *       off;
 *   <li>no phone-home, no JVM shutdown hook (the node leaves the cluster in its own shutdown),
 *       logging through SLF4J.
 * </ul>
 *
 * <p>The ring is rebuilt whole from each event's member set (an {@link
 * InitialMembershipListener}, so the first ring holds the members found at join), never patched;
 * a member without the attributes (not a Sidecache node) is left off the ring. Epochs count this
 * node's snapshots, from 1; they order snapshots of one node, not of different nodes.
 *
 * <p>Thread-safe. Listeners run on Hazelcast's event thread and must not block.
 */
public final class ClusterMembership implements AutoCloseable {
  /** Member attribute with the node id. */
  public static final String NODE_ID = "sidecache.node-id";
  /** Member attribute with the peer address, {@code host:port}. */
  public static final String PEER_ADDRESS = "sidecache.peer-address";

  private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);

  private final ClusterSettings settings;
  private final AtomicLong epochs = new AtomicLong();
  private final AtomicReference<HashRing> ring;
  private final List<Consumer<HashRing>> listeners = new CopyOnWriteArrayList<>();
  private final HazelcastInstance hazelcast;
  private final RingMember self;

  private ClusterMembership(ClusterSettings settings) {
    this.settings = settings;
    this.self = new RingMember(settings.nodeId(), settings.peerAddress());
    this.ring = new AtomicReference<>(HashRing.of(0, List.of(), settings.virtualNodes()));
    Config config = config(settings);
    config.addListenerConfig(new ListenerConfig(new Listener()));
    this.hazelcast = Hazelcast.newHazelcastInstance(config);
  }

  /**
   * Starts the member and joins the cluster: returns once the member runs, with the ring of the
   * members it found (itself at least).
   *
   * @param settings how to join
   * @return the running membership
   * @throws IllegalStateException (Hazelcast's) if the member cannot start, e.g. its port is taken
   */
  public static ClusterMembership start(ClusterSettings settings) {
    return new ClusterMembership(settings);
  }

  /** The Hazelcast configuration of a member; see the class documentation. */
  static Config config(ClusterSettings s) {
    Config c = new Config();
    c.setClusterName(s.clusterName());
    c.setInstanceName("sidecache-" + s.nodeId());
    c.setProperty("hazelcast.logging.type", "slf4j");
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.shutdownhook.enabled", "false");
    c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    c.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    c.setProperty("hazelcast.partition.count", "7");
    c.setProperty("hazelcast.operation.thread.count", "1");
    c.setProperty("hazelcast.operation.generic.thread.count", "1");
    c.setProperty("hazelcast.io.thread.count", "1");
    c.setProperty("hazelcast.event.thread.count", "1");
    c.setProperty("hazelcast.health.monitoring.level", "OFF");
    c.setProperty("hazelcast.socket.bind.any", "false");
    c.setProperty("hazelcast.wait.seconds.before.join", "1");
    c.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    c.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    c.getJetConfig().setEnabled(false);
    c.getMetricsConfig().setEnabled(false);
    c.getMemberAttributeConfig().setAttribute(NODE_ID, s.nodeId());
    c.getMemberAttributeConfig().setAttribute(PEER_ADDRESS, s.peerAddress());
    NetworkConfig network = c.getNetworkConfig();
    network.setPort(s.clusterPort()).setPortAutoIncrement(false);
    network.setPublicAddress(PeerClient.joinHostPort(s.bindHost(), s.clusterPort()));
    // The address to bind and advertise, given directly: Hazelcast's interface matching only
    // accepts addresses that a network interface lists, and refuses ones the kernel still treats
    // as local (any of 127/8 on Linux, an address routed to the host), which --cluster-bind may
    // name. With bind.any off, the member binds this address alone.
    c.setProperty("hazelcast.local.localAddress", s.bindHost());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    String dns = kubernetesService(s.join());
    if (dns != null) {
      // Hazelcast's built-in Kubernetes discovery, DNS lookup mode: the members are the
      // addresses of a headless service, each on the cluster port.
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", dns)
          .setProperty("service-port", Integer.toString(s.clusterPort()));
    } else {
      join.getTcpIpConfig().setEnabled(true).setMembers(new ArrayList<>(s.join()));
    }
    return c;
  }

  /** The prefix of a join entry that names a Kubernetes headless service instead of members. */
  public static final String KUBERNETES = "kubernetes:";

  /**
   * Returns the headless service a join list names ({@code kubernetes:<service-dns>}, alone),
   * or {@code null} for a TCP/IP member list.
   *
   * @throws IllegalArgumentException if a service is named beside other entries
   */
  static String kubernetesService(java.util.List<String> join) {
    String dns = null;
    for (String j : join) {
      if (j.startsWith(KUBERNETES)) {
        dns = j.substring(KUBERNETES.length());
      }
    }
    if (dns != null && (join.size() != 1 || dns.isEmpty())) {
      throw new IllegalArgumentException("join: " + join
          + " (expected: host:port,... or one kubernetes:<service-dns>)");
    }
    return dns;
  }

  /** Returns this node as the ring knows it. */
  public RingMember self() {
    return self;
  }

  /** Returns the settings the member started with. */
  public ClusterSettings settings() {
    return settings;
  }

  /** Returns the current ring snapshot. */
  public HashRing ring() {
    return ring.get();
  }

  /**
   * Calls {@code listener} with every new ring snapshot from now on, and once at once with the
   * current one; epochs it receives only grow.
   *
   * @param listener receives snapshots, on Hazelcast's event thread (or the caller's, the first
   *     time); must not block
   */
  public void onRingChange(Consumer<HashRing> listener) {
    Consumer<HashRing> ordered = new Consumer<>() {
      private long delivered = -1;

      @Override
      public synchronized void accept(HashRing r) {
        if (r.epoch() > delivered) { // a rebuild racing the registration never goes back
          delivered = r.epoch();
          listener.accept(r);
        }
      }
    };
    listeners.add(ordered);
    ordered.accept(ring.get());
  }

  /** Returns whether the Hazelcast member runs (false once closed or shut down by a fault). */
  public boolean running() {
    return hazelcast.getLifecycleService().isRunning();
  }

  /** Leaves the cluster gracefully and stops the member; idempotent. */
  @Override
  public void close() {
    if (hazelcast.getLifecycleService().isRunning()) {
      hazelcast.shutdown();
    }
  }

  private void rebuild(Collection<Member> members) {
    List<RingMember> live = new ArrayList<>(members.size());
    for (Member m : members) {
      String id = m.getAttribute(NODE_ID);
      String peer = m.getAttribute(PEER_ADDRESS);
      if (id == null || peer == null) {
        log.warn("cluster member {} is not a Sidecache node (no {} attribute); left off the ring",
            m.getAddress(), NODE_ID);
        continue;
      }
      live.add(new RingMember(id, peer));
    }
    HashRing next = HashRing.of(epochs.incrementAndGet(), live, settings.virtualNodes());
    ring.set(next);
    log.debug("membership epoch {}: {} member(s) {}", next.epoch(), live.size(),
        live.stream().map(RingMember::nodeId).toList());
    for (Consumer<HashRing> l : listeners) {
      l.accept(next);
    }
  }

  /** Rebuilds the ring from each event's whole member set. */
  private final class Listener implements InitialMembershipListener {
    @Override
    public void init(InitialMembershipEvent event) {
      rebuild(event.getMembers());
    }

    @Override
    public void memberAdded(MembershipEvent event) {
      rebuild(event.getMembers());
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      rebuild(event.getMembers());
    }
  }
}
