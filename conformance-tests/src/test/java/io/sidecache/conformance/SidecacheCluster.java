package io.sidecache.conformance;

import io.sidecache.cluster.ClusterNode;
import io.sidecache.protocol.testing.Ports;
import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Several Sidecache nodes in this JVM forming one cluster on loopback (Hazelcast members on free
 * ports, peer ports ephemeral, R = 2), started and waited for until every node's ring holds every
 * node. Tests talk to {@link #entry()}, which owns about a third of the keys: the rest are
 * forwarded, so the protocol suites hold the routing store to the real servers' semantics.
 * Not thread-safe.
 */
final class SidecacheCluster implements AutoCloseable {
  /** The cluster secret of test clusters. */
  static final String SECRET = "conformance-secret";

  private final List<Sidecache> nodes = new ArrayList<>();

  private SidecacheCluster() {}

  /** Starts {@code n} nodes with the memory tier of {@link SidecacheServer#MEMORY_BYTES} each. */
  static SidecacheCluster start(int n) {
    return start(n, SidecacheServer.MEMORY_BYTES);
  }

  /**
   * Starts {@code n} nodes.
   *
   * @param memoryBytes each node's memory tier bound
   * @throws IllegalStateException if their rings do not hold every node within 30 s
   */
  static SidecacheCluster start(int n, long memoryBytes) {
    SidecacheCluster c = new SidecacheCluster();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ports.add(Ports.free());
      }
      List<String> join = ports.stream().map(p -> "127.0.0.1:" + p).toList();
      String name = "conformance-" + System.nanoTime();
      for (int i = 0; i < n; i++) {
        ClusterNode.Settings s = new ClusterNode.Settings(name, "127.0.0.1", ports.get(i), 0,
            join, "node-" + i, SECRET, 2, true, 2_000);
        c.nodes.add(SidecacheServer.start(
            SidecacheConfig.ephemeral(memoryBytes).withCluster(s)));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!c.nodes.stream().allMatch(node -> node.cluster().store().ring().members().size()
          == n)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the rings did not hold " + n + " nodes within 30 s");
        }
        Thread.sleep(50);
      }
      return c;
    } catch (IOException | InterruptedException | RuntimeException e) {
      c.close();
      throw new IllegalStateException("cannot start a cluster of " + n, e);
    }
  }

  /** The node tests talk to. */
  Sidecache entry() {
    return nodes.get(0);
  }

  /** Every node, the entry first. */
  List<Sidecache> nodes() {
    return nodes;
  }

  @Override
  public void close() {
    nodes.forEach(Sidecache::close);
    nodes.clear();
  }
}
