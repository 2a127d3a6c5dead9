package io.sidecache.cluster;

import java.util.Objects;

/**
 * A node as the ring knows it: its node id, which places its virtual nodes on the ring, and the
 * address of its peer port, where other nodes forward requests to it. Both are advertised as
 * Hazelcast member attributes at start-up and never change while the node runs (a node that
 * restarts comes back with a new id and starts empty). Immutable.
 *
 * @param nodeId the node's id, unique in the cluster; a non-empty string
 * @param peerAddress {@code host:port} of the node's peer port
 */
public record RingMember(String nodeId, String peerAddress) implements Comparable<RingMember> {

  /**
   * Checks the fields.
   *
   * @throws NullPointerException if a field is {@code null}
   * @throws IllegalArgumentException if {@code nodeId} is empty
   */
  public RingMember {
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(peerAddress, "peerAddress");
    if (nodeId.isEmpty()) {
      throw new IllegalArgumentException("nodeId: empty");
    }
  }

  /** Orders members by node id, the order the ring's tie-breaks and listings use. */
  @Override
  public int compareTo(RingMember other) {
    return nodeId.compareTo(other.nodeId);
  }
}
