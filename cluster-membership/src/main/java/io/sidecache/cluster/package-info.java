/**
 * The cluster's building blocks (DESIGN.md "Cluster"; docs/cluster.md): {@link
 * io.sidecache.cluster.ClusterMembership} (an embedded Hazelcast member, membership only), the
 * {@link io.sidecache.cluster.HashRing} it publishes on every membership change (virtual nodes,
 * Redis Cluster hash tags, owner and replicas), and {@link io.sidecache.cluster.PeerHandshake},
 * which admits a peer connection only between nodes holding the cluster secret.
 *
 * <p>Not yet here: the routing store that forwards and replicates, failover and rebalancing.
 */
package io.sidecache.cluster;
