package io.sidecache.cluster;

import java.util.List;
import java.util.Objects;

/**
 * How a node joins its cluster. Immutable.
 *
 * @param clusterName the Hazelcast cluster name; members with another name never join (it is not
 *     a secret: it travels in clear)
 * @param bindHost the address the Hazelcast member binds and advertises, e.g. {@code 127.0.0.1}
 * @param clusterPort the Hazelcast member port, fixed (no auto-increment), 1..65535
 * @param join the {@code host:port} cluster ports of other members to join through (TCP/IP join;
 *     multicast and auto-detection are off); may include this node's own. Or one {@code
 *     kubernetes:<service-dns>}: Hazelcast's Kubernetes discovery in DNS lookup mode (a headless
 *     service), the members on {@code clusterPort}
 * @param nodeId this node's id on the ring, unique in the cluster
 * @param peerAddress {@code host:port} of this node's peer (data) port, advertised to the others
 * @param virtualNodes points per member on the ring, at least 1
 */
public record ClusterSettings(String clusterName, String bindHost, int clusterPort,
    List<String> join, String nodeId, String peerAddress, int virtualNodes) {

  /**
   * Checks the settings.
   *
   * @throws NullPointerException if a field is {@code null}
   * @throws IllegalArgumentException if a port or the virtual node count is out of range, or the
   *     name or node id is empty
   */
  public ClusterSettings {
    Objects.requireNonNull(clusterName, "clusterName");
    Objects.requireNonNull(bindHost, "bindHost");
    join = List.copyOf(join);
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(peerAddress, "peerAddress");
    if (clusterName.isEmpty() || nodeId.isEmpty()) {
      throw new IllegalArgumentException("clusterName and nodeId must not be empty");
    }
    if (clusterPort < 1 || clusterPort > 65535) {
      throw new IllegalArgumentException("clusterPort: " + clusterPort + " (expected: 1..65535)");
    }
    if (virtualNodes < 1) {
      throw new IllegalArgumentException("virtualNodes: " + virtualNodes + " (expected: >= 1)");
    }
  }
}
