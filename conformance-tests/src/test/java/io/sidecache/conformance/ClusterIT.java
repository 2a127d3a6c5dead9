package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sidecache.cluster.HashRing;
import io.sidecache.cluster.RingMember;
import io.sidecache.protocol.testing.Ports;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * A cluster of real Sidecache processes on loopback (issue 10, "Tests"): keys shared across
 * protocols and nodes, {@code kill -9} of a node, a node joining under writes, and a node without
 * the secret. Each test starts its own nodes and is bounded in time.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterIT {
  private static final String SECRET = "cluster-it-secret";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path logs;
  private final List<Node> nodes = new ArrayList<>();
  private final String clusterName = "cluster-it-" + System.nanoTime();
  private final List<String> seeds = new ArrayList<>();

  /** One node: its process and its cluster port. */
  private record Node(String id, SidecacheProcess process, int clusterPort) {}

  @AfterEach
  void stopAll() {
    nodes.forEach(n -> n.process().close());
  }

  /**
   * Starts a node that joins through the seeds (the first nodes' cluster ports), its cluster and
   * peer ports on {@code clusterBind} (clients stay on 127.0.0.1).
   */
  private Node start(String id, String secret, String clusterBind) throws IOException {
    int clusterPort = Ports.free();
    if (seeds.size() < 3) {
      seeds.add(clusterBind + ":" + clusterPort);
    }
    List<String> options = new ArrayList<>(List.of(
        "--disk-size", "0", "--memory", "64m", "--cluster", "--cluster-name", clusterName,
        "--cluster-port", Integer.toString(clusterPort), "--peer-port",
        Integer.toString(Ports.free()), "--join", String.join(",", seeds),
        "--node-id", id, "--cluster-secret", secret));
    if (!clusterBind.equals("127.0.0.1")) {
      options.addAll(List.of("--cluster-bind", clusterBind));
    }
    SidecacheProcess p = SidecacheProcess.start(logs.resolve(id + ".log"), List.of("-Xmx256m"),
        options.toArray(String[]::new));
    Node n = new Node(id, p, clusterPort);
    nodes.add(n);
    return n;
  }

  private Node start(String id, String secret) throws IOException {
    return start(id, secret, "127.0.0.1");
  }

  private Node start(String id) throws IOException {
    return start(id, SECRET);
  }

  /** {@code GET /cluster} of a node. */
  private static JsonNode view(Node n) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + n.process().httpAddress().getPort() + "/cluster")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  /** The members on a node's ring, by node id. */
  private static List<String> ringMembers(Node n) throws IOException, InterruptedException {
    List<String> ids = new ArrayList<>();
    for (JsonNode m : view(n).get("members")) {
      if (m.get("state").asText().equals("member")) {
        ids.add(m.get("node_id").asText());
      }
    }
    return ids;
  }

  /** Waits until every node given has exactly {@code ids} on its ring. */
  private static void awaitRing(List<Node> of, List<String> ids) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (Node n : of) {
      while (!new java.util.HashSet<>(ringMembers(n)).equals(new java.util.HashSet<>(ids))) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(n.id() + "'s ring is " + ringMembers(n) + ", expected " + ids);
        }
        Thread.sleep(100);
      }
    }
  }

  /** The ring a node routes by, rebuilt here from its {@code /cluster}, to find key owners. */
  private static HashRing ring(Node n) throws IOException, InterruptedException {
    List<RingMember> members = new ArrayList<>();
    for (JsonNode m : view(n).get("members")) {
      if (m.get("state").asText().equals("member")) {
        members.add(new RingMember(m.get("node_id").asText(), m.get("peer_address").asText()));
      }
    }
    return HashRing.of(1, members, HashRing.DEFAULT_VIRTUAL_NODES);
  }

  private static Jedis jedis(Node n) {
    return new Jedis(n.process().respAddress().getHostString(),
        n.process().respAddress().getPort(), 5_000);
  }

  private Node node(String id) {
    return nodes.stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
  }

  private List<Node> live() {
    return nodes.stream().filter(n -> n.process().isAlive()).toList();
  }

  /** Reads keys over the memcached text protocol, many per {@code get} line. */
  private static Map<String, String> memcachedGet(Node n, List<String> keys) throws IOException {
    Map<String, String> found = new java.util.HashMap<>();
    try (Socket s = new Socket(n.process().memcachedAddress().getHostString(),
        n.process().memcachedAddress().getPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(),
          StandardCharsets.UTF_8));
      for (int i = 0; i < keys.size(); i += 100) {
        out.write(("get " + String.join(" ", keys.subList(i, Math.min(keys.size(), i + 100)))
            + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        for (String line; !(line = in.readLine()).equals("END"); ) {
          String[] parts = line.split(" ");
          assertEquals("VALUE", parts[0], line);
          found.put(parts[1], in.readLine());
        }
      }
    }
    return found;
  }

  private static String httpGet(Node n, String key) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + n.process().httpAddress().getPort() + "/cache/" + key)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? r.body() : r.statusCode() == 404 ? null
        : "HTTP " + r.statusCode();
  }

  private static void setAll(Node n, List<String> keys, String prefix) {
    try (Jedis j = jedis(n)) {
      Pipeline p = j.pipelined();
      for (String k : keys) {
        p.set(k, prefix + k);
      }
      p.sync();
    }
  }

  private static List<String> keys(String prefix, int n) {
    List<String> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(prefix + i);
    }
    return keys;
  }

  /**
   * MULTI/EXEC runs isolated at its keys' owner, whichever node its client talks to (issue 10):
   * clients of all three nodes add 1 twice per transaction to one key while readers on every node
   * watch it, and never see an odd value; WATCH-guarded read-modify-writes through every node lose
   * no update; MSETNX through two nodes at once sets its keys all-or-none.
   */
  @Test
  void transactionsThroughEveryNodeAreIsolatedAtTheirKeysOwner() throws Exception {
    for (String id : List.of("a", "b", "c")) {
      start(id);
    }
    awaitRing(nodes, List.of("a", "b", "c"));
    String pair = "{tx}pair";
    String counter = "{tx}counter";
    AtomicBoolean oddSeen = new AtomicBoolean();
    AtomicBoolean writing = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(9);
    List<Future<?>> writers = new ArrayList<>();
    List<Future<?>> readers = new ArrayList<>();
    try {
      for (Node n : nodes) {
        writers.add(pool.submit(RespTransactionConformance.pairAdder(() -> jedis(n), pair, 150)));
        writers.add(pool.submit(() -> {
          try (Jedis j = jedis(n)) {
            for (int done = 0; done < 50; ) {
              j.watch(counter);
              String v = j.get(counter);
              redis.clients.jedis.Transaction t = j.multi();
              t.set(counter, Long.toString(v == null ? 1 : Long.parseLong(v) + 1));
              if (t.exec() != null) {
                done++;
              }
            }
          }
          return null;
        }));
        readers.add(pool.submit(
            RespTransactionConformance.oddWatcher(() -> jedis(n), pair, writing, oddSeen)));
      }
      for (Future<?> w : writers) {
        w.get(120, TimeUnit.SECONDS);
      }
      writing.set(false);
      for (Future<?> r : readers) {
        r.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(!oddSeen.get(), "a reader saw half of a transaction");
    try (Jedis j = jedis(node("b"))) {
      assertEquals("900", j.get(pair));
      assertEquals("150", j.get(counter), "WATCH-guarded increments through three nodes");
    }
    // MSETNX of overlapping keys through two nodes at once: exactly one sets, and all its keys.
    for (int round = 0; round < 50; round++) {
      String x = "{nx" + round + "}x";
      String y = "{nx" + round + "}y";
      String z = "{nx" + round + "}z";
      ExecutorService two = Executors.newFixedThreadPool(2);
      try {
        Future<Long> first = two.submit(() -> {
          try (Jedis j = jedis(node("a"))) {
            return j.msetnx(x, "a", y, "a");
          }
        });
        Future<Long> second = two.submit(() -> {
          try (Jedis j = jedis(node("c"))) {
            return j.msetnx(y, "c", z, "c");
          }
        });
        long set = first.get(30, TimeUnit.SECONDS) + second.get(30, TimeUnit.SECONDS);
        assertEquals(1, set, "round " + round);
      } finally {
        two.shutdownNow();
      }
      try (Jedis j = jedis(node("b"))) {
        List<String> got = j.mget(x, y, z);
        String winner = got.get(1);
        assertEquals(winner.equals("a") ? java.util.Arrays.asList("a", "a", null)
            : java.util.Arrays.asList(null, "c", "c"), got, "round " + round);
      }
    }
  }

  @Test
  void keysWrittenThroughOneNodeAreReadThroughEveryProtocolOfTheOthers() throws Exception {
    Node a = start("a");
    Node b = start("b");
    Node c = start("c");
    awaitRing(nodes, List.of("a", "b", "c"));
    List<String> keys = keys("shared:", 10_000);
    setAll(a, keys, "v-");
    Map<String, String> viaMemcached = memcachedGet(b, keys);
    assertEquals(keys.size(), viaMemcached.size(), "keys read over memcached through b");
    for (String k : keys) {
      assertEquals("v-" + k, viaMemcached.get(k));
    }
    for (int i = 0; i < keys.size(); i += 7) {
      assertEquals("v-" + keys.get(i), httpGet(c, keys.get(i)), "over HTTP through c");
    }
    for (JsonNode m : view(a).get("members")) {
      double share = m.get("share").asDouble();
      assertTrue(Math.abs(share - 1.0 / 3) < 0.1 / 3, m + " owns " + share);
    }
    try (Jedis j = jedis(c)) {
      assertEquals(keys.size(), j.dbSize(), "DBSIZE counts the cluster's keys once");
    }
  }

  @Test
  void killNineOfAnOwnerLosesNoKeyAndAJoinRestoresTwoCopies() throws Exception {
    Node a = start("a");
    Node b = start("b");
    Node c = start("c");
    awaitRing(nodes, List.of("a", "b", "c"));
    List<String> keys = keys("k9:", 3_000);
    setAll(a, keys, "v1-");
    HashRing ring = ring(a);
    // An overwrite and a delete through a node that does not own them, just before the owner dies.
    // (Both among the keys the later writes leave alone.)
    List<String> ownedByB = keys.subList(300, keys.size()).stream()
        .filter(k -> ring.owner(k.getBytes(StandardCharsets.UTF_8)).nodeId().equals("b"))
        .toList();
    String overwritten = ownedByB.get(0);
    String deleted = ownedByB.get(1);
    try (Jedis j = jedis(c)) {
      j.set(overwritten, "v2-" + overwritten);
      j.del(deleted);
    }
    long killedAt = System.nanoTime();
    b.process().kill();
    // Every key reads again within 5 s of the kill, through both survivors.
    long recovered = 0;
    try (Jedis ja = jedis(a); Jedis jc = jedis(c)) {
      for (String k : keys) {
        String expected = k.equals(deleted) ? null : (k.equals(overwritten) ? "v2-" : "v1-") + k;
        for (Jedis j : List.of(ja, jc)) {
          String got = readWithRetry(j, k, killedAt + TimeUnit.SECONDS.toNanos(5));
          assertEquals(expected, got, k + " after kill -9 of its owner");
        }
      }
      recovered = System.nanoTime() - killedAt;
      for (String k : keys.subList(0, 300)) {
        assertEquals("OK", ja.set(k, "v3-" + k), "writable after the kill");
      }
    }
    awaitRing(live(), List.of("a", "c"));
    Node d = start("d");
    awaitRing(live(), List.of("a", "c", "d"));
    // R = 2 again: any one more death still loses nothing.
    Thread.sleep(2_000); // the background pass copies to the new replicas
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      long size;
      try (Jedis j = jedis(d)) {
        size = j.dbSize();
      }
      if (size == keys.size() - 1) {
        break;
      }
      if (System.nanoTime() > deadline) {
        StringBuilder why = new StringBuilder("DBSIZE after the join: " + size);
        for (Node n : live()) {
          try (Jedis j = jedis(n)) {
            why.append("\n").append(n.id()).append(": ").append(j.info("keyspace").trim())
                .append(" ").append(view(n).get("counters"));
          }
        }
        throw new AssertionError(why);
      }
      Thread.sleep(200);
    }
    waitForHandoff(live());
    a.process().kill();
    awaitRing(live(), List.of("c", "d"));
    try (Jedis jd = jedis(d)) {
      for (int i = 0; i < keys.size(); i++) {
        String k = keys.get(i);
        String expected = k.equals(deleted) ? null
            : (i < 300 ? "v3-" : k.equals(overwritten) ? "v2-" : "v1-") + k;
        assertEquals(expected, readWithRetry(jd, k, System.nanoTime()
            + TimeUnit.SECONDS.toNanos(5)), k + " after a second kill -9");
      }
    }
    Files.writeString(logs.resolve("recovery.txt"), "reads recovered "
        + TimeUnit.NANOSECONDS.toMillis(recovered) + " ms after kill -9\n");
  }

  /** Waits until no node pushes keys any more (two equal readings of every pushed counter). */
  private static void waitForHandoff(List<Node> of) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long last = -1;
    while (System.nanoTime() < deadline) {
      long sum = 0;
      for (Node n : of) {
        sum += view(n).get("counters").get("cluster_handoff_pushed").asLong();
      }
      if (sum == last) {
        return;
      }
      last = sum;
      Thread.sleep(1_000);
    }
  }

  /** GET, retrying errors (a node that just died) until the deadline. */
  private static String readWithRetry(Jedis j, String key, long deadline)
      throws InterruptedException {
    while (true) {
      try {
        return j.get(key);
      } catch (redis.clients.jedis.exceptions.JedisDataException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(key + " not readable in time: " + e.getMessage());
        }
        Thread.sleep(20);
      }
    }
  }

  @Test
  void aFourthNodeJoinsUnderSteadyWritesAndLosesNoAcknowledgedWrite() throws Exception {
    Node a = start("a");
    start("b");
    start("c");
    awaitRing(nodes, List.of("a", "b", "c"));
    setAll(a, keys("steady:", 4_000), "v0-");
    // What each key may read: its last acknowledged value, and the writes after it that failed
    // with CLUSTERDOWN (a write its key's move interrupted may or may not have taken effect).
    // Writes are serialized, so the order of acknowledgements is the order of the writes.
    Map<String, Set<String>> readable = new HashMap<>();
    AtomicInteger interrupted = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService writers = Executors.newFixedThreadPool(2);
    List<Future<Integer>> done = new ArrayList<>();
    for (Node via : List.of(a, node("b"))) {
      done.add(writers.submit(() -> {
        int n = 0;
        try (Jedis j = jedis(via)) {
          for (int round = 1; !stop.get(); round++) {
            String k = "steady:" + ((round * 7 + (via == a ? 0 : 3)) % 4_000);
            String v = via.id() + "-" + round;
            synchronized (readable) {
              Set<String> may = readable.computeIfAbsent(k, x -> new HashSet<>(Set.of("v0-" + x)));
              try {
                if ("OK".equals(j.set(k, v))) {
                  may.clear();
                  n++;
                }
              } catch (JedisDataException e) {
                if (!e.getMessage().startsWith("CLUSTERDOWN")) {
                  throw e;
                }
                interrupted.incrementAndGet();
              }
              may.add(v);
            }
          }
        }
        return n;
      }));
    }
    Thread.sleep(500);
    Node d = start("d");
    awaitRing(nodes, List.of("a", "b", "c", "d"));
    // Every key reads during the move, through the new node.
    try (Jedis jd = jedis(d)) {
      for (int i = 0; i < 4_000; i += 3) {
        assertTrue(jd.get("steady:" + i) != null, "steady:" + i + " during the move");
      }
    }
    Thread.sleep(1_000);
    stop.set(true);
    int writes = 0;
    for (Future<Integer> f : done) {
      writes += f.get(30, TimeUnit.SECONDS);
    }
    writers.shutdown();
    assertTrue(writes > 100, "writes during the join: " + writes);
    assertTrue(interrupted.get() <= writes / 100, interrupted + " of " + writes + " writes failed");
    for (Node n : nodes) {
      try (Jedis j = jedis(n)) {
        for (Map.Entry<String, Set<String>> e : readable.entrySet()) {
          String v = j.get(e.getKey());
          assertTrue(e.getValue().contains(v), e.getKey() + " through " + n.id() + " reads " + v
              + ", expected one of " + e.getValue());
        }
      }
    }
    for (JsonNode m : view(d).get("members")) {
      double share = m.get("share").asDouble();
      assertTrue(Math.abs(share - 0.25) < 0.25 * 0.15, m + " owns " + share);
    }
  }

  /**
   * {@code --cluster-bind} (issue 14, the pod-IP case of Kubernetes): each node's cluster and peer
   * ports on an address of its own (127.0.0.2-4 here, the whole 127/8 being loopback on Linux)
   * while its clients stay on {@code --bind}'s 127.0.0.1. The nodes find each other, advertise
   * those addresses, forward to each other over them, and open no cluster or peer port on
   * 127.0.0.1. (Hazelcast's interface matching refused such an address until the member was
   * given it as its local address.)
   */
  @Test
  @org.junit.jupiter.api.condition.EnabledOnOs(org.junit.jupiter.api.condition.OS.LINUX)
  void peersTalkOverTheirClusterBindAddressesWhileClientsStayOnBind() throws Exception {
    Map<String, String> addresses = Map.of("a", "127.0.0.2", "b", "127.0.0.3", "c", "127.0.0.4");
    for (String id : List.of("a", "b", "c")) {
      start(id, SECRET, addresses.get(id));
    }
    awaitRing(nodes, List.of("a", "b", "c"));
    for (JsonNode m : view(node("a")).get("members")) {
      String peer = m.get("peer_address").asText();
      String id = m.get("node_id").asText();
      assertTrue(peer.startsWith(addresses.get(id) + ":"), id + " advertises " + peer);
      int port = Integer.parseInt(peer.substring(peer.lastIndexOf(':') + 1));
      try (Socket s = new Socket()) {
        s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2_000);
        throw new AssertionError(id + "'s peer port " + port + " is open on 127.0.0.1");
      } catch (java.net.ConnectException expected) {
        // nothing listens there: the peer port is on the cluster-bind address only
      }
    }
    for (Node n : nodes) {
      try (Socket s = new Socket()) {
        s.connect(new java.net.InetSocketAddress("127.0.0.1", n.clusterPort()), 2_000);
        throw new AssertionError(n.id() + "'s cluster port is open on 127.0.0.1");
      } catch (java.net.ConnectException expected) {
        // Hazelcast binds the cluster-bind address only
      }
    }
    List<String> keys = keys("bound:", 1_000);
    setAll(node("a"), keys, "v-");
    assertEquals("127.0.0.1", node("b").process().memcachedAddress().getHostString());
    Map<String, String> viaB = memcachedGet(node("b"), keys);
    assertEquals(keys.size(), viaB.size(), "keys written through a, read through b");
    for (String k : keys) {
      assertEquals("v-" + k, viaB.get(k));
    }
    for (String via : List.of("a", "b")) { // the writer and the reader each forwarded
      JsonNode counters = view(node(via)).get("counters");
      assertTrue(counters.get("cluster_forwarded").asLong() > 0, via + ": " + counters);
    }
  }

  @Test
  void aNodeWithoutTheSecretIsNeverAdmittedAndIncrementsAddUp() throws Exception {
    Node a = start("a");
    Node b = start("b");
    Node c = start("c");
    awaitRing(nodes, List.of("a", "b", "c"));
    Node stranger = start("stranger", "not-the-secret");
    try (Jedis j = jedis(a)) {
      j.set("secret-key", "secret-value");
    }
    Thread.sleep(3_000); // admission is retried every second: it has had its chances
    for (Node n : List.of(a, b, c)) {
      assertEquals(List.of("a", "b", "c"), ringMembers(n).stream().sorted().toList(),
          n.id() + " never admits the stranger");
    }
    assertEquals(List.of("stranger"), ringMembers(stranger), "the stranger admits nobody");
    try (Jedis j = jedis(stranger)) {
      assertNull(j.get("secret-key"), "the stranger learns nothing");
      assertEquals(0, j.dbSize());
    }
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<Future<?>> all = new ArrayList<>();
    for (Node via : List.of(a, b, c)) {
      all.add(pool.submit(() -> {
        try (Jedis j = jedis(via)) {
          for (int i = 0; i < 500; i++) {
            j.incr("counter");
          }
        }
        return null;
      }));
    }
    for (Future<?> f : all) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    for (Node n : List.of(a, b, c)) {
      try (Jedis j = jedis(n)) {
        assertEquals("1500", j.get("counter"));
      }
    }
  }
}
