package io.sidecache.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Three embedded members on loopback: they find each other, agree on the ring, see one go. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClusterMembershipTest {
  private final List<ClusterMembership> nodes = new ArrayList<>();

  @AfterEach
  void stop() {
    nodes.forEach(ClusterMembership::close);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void await(BooleanSupplier condition, long seconds, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "not within " + seconds + " s: " + what);
      Thread.sleep(50);
    }
  }

  private List<ClusterMembership> startThree(String name) throws Exception {
    int[] ports = {freePort(), freePort(), freePort()};
    List<String> join = new ArrayList<>();
    for (int p : ports) {
      join.add("127.0.0.1:" + p);
    }
    for (int i = 0; i < 3; i++) {
      nodes.add(ClusterMembership.start(new ClusterSettings(name, "127.0.0.1", ports[i], join,
          UUID.randomUUID().toString(), "127.0.0.1:" + (20000 + i), 512)));
    }
    return nodes;
  }

  @Test
  void threeMembers_sameRing_memberLeaves_ringShrinks() throws Exception {
    List<ClusterMembership> three = startThree("test-" + UUID.randomUUID());
    for (ClusterMembership n : three) {
      await(() -> n.ring().members().size() == 3, 60, n.self() + " sees 3 members");
    }
    HashRing a = three.get(0).ring();
    for (ClusterMembership n : three) {
      assertEquals(a.members(), n.ring().members());
      assertTrue(n.ring().members().contains(n.self()));
      assertTrue(n.running());
    }
    for (int i = 0; i < 1_000; i++) {
      byte[] k = ("k" + i).getBytes(StandardCharsets.UTF_8);
      assertEquals(a.replicas(k, 2), three.get(1).ring().replicas(k, 2));
    }
    long epochBefore = three.get(0).ring().epoch();
    List<HashRing> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    three.get(0).onRingChange(seen::add);
    RingMember leaving = three.get(2).self();
    three.get(2).close();
    await(() -> three.get(0).ring().members().size() == 2
        && three.get(1).ring().members().size() == 2, 30, "the others see it leave");
    assertTrue(three.get(0).ring().epoch() > epochBefore);
    assertTrue(!three.get(0).ring().members().contains(leaving));
    // The ring is published before its listeners are told: wait for the call, do not race it.
    await(() -> seen.size() >= 2, 10, "listener got the current ring and the change: " + seen);
  }

  @Test
  void otherClusterName_neverJoins() throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    List<String> join = List.of("127.0.0.1:" + p1, "127.0.0.1:" + p2);
    nodes.add(ClusterMembership.start(new ClusterSettings("blue", "127.0.0.1", p1, join,
        "n1", "127.0.0.1:1", 16)));
    nodes.add(ClusterMembership.start(new ClusterSettings("green", "127.0.0.1", p2, join,
        "n2", "127.0.0.1:2", 16)));
    Thread.sleep(3_000);
    assertEquals(1, nodes.get(0).ring().members().size());
    assertEquals(1, nodes.get(1).ring().members().size());
  }

  @Test
  void anIpv6BindAddress_isAdvertisedInBrackets_andMembersJoinOverIt() throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    assertEquals("[::1]:" + p1, ClusterMembership.config(new ClusterSettings("v6", "::1", p1,
        List.of(), "n1", "[::1]:1", 16)).getNetworkConfig().getPublicAddress());
    List<String> join = List.of("[::1]:" + p1, "[::1]:" + p2);
    String name = "v6-" + UUID.randomUUID();
    nodes.add(ClusterMembership.start(new ClusterSettings(name, "::1", p1, join, "n1",
        "[::1]:1", 16)));
    nodes.add(ClusterMembership.start(new ClusterSettings(name, "::1", p2, join, "n2",
        "[::1]:2", 16)));
    for (ClusterMembership n : nodes) {
      await(() -> n.ring().members().size() == 2, 60, n.self() + " sees both members");
    }
  }

  @org.junit.jupiter.api.Test
  void joinThroughAKubernetesHeadlessService_configuresDnsLookupInsteadOfTcpIp() {
    com.hazelcast.config.Config c = ClusterMembership.config(new ClusterSettings("k8s",
        "127.0.0.1", 5801, List.of("kubernetes:sidecache.apps.svc.cluster.local"), "n1",
        "127.0.0.1:7380", 512));
    com.hazelcast.config.JoinConfig join = c.getNetworkConfig().getJoin();
    assertTrue(join.getKubernetesConfig().isEnabled());
    assertEquals("sidecache.apps.svc.cluster.local",
        join.getKubernetesConfig().getProperty("service-dns"));
    assertEquals("5801", join.getKubernetesConfig().getProperty("service-port"));
    assertTrue(!join.getTcpIpConfig().isEnabled() && !join.getMulticastConfig().isEnabled());
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> ClusterMembership.kubernetesService(List.of("kubernetes:a", "10.0.0.1:5701")));
  }
}
