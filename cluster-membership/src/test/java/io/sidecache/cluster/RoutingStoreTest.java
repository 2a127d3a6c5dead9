package io.sidecache.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.sidecache.store.CacheStore;
import io.sidecache.store.CrossSlotException;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.Ticker;
import io.sidecache.store.memory.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the routing store adds to the contract: where copies live, failover, CROSSSLOT, admission. */
class RoutingStoreTest {
  private LocalCluster cluster;

  @BeforeEach
  void start() throws InterruptedException {
    cluster = new LocalCluster(3, 2, true, Ticker.system(), t -> MemoryStore.builder()
        .maximumBytes(16L * 1024 * 1024).ticker(t).executor(Runnable::run).build());
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static <T> T done(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new CompletionException(e.getCause());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private int index(RingMember m) {
    return cluster.all.indexOf(m);
  }

  @Test
  void everyWriteLandsOnItsOwnerAndReplicaWithTheOwnersCas() {
    RoutingStore a = cluster.stores.get(0);
    for (int i = 0; i < 300; i++) {
      Key key = Key.of("key:" + i);
      done(a.set(key, b("v" + i), SetOptions.DEFAULT));
      done(a.incrementBy(Key.of("n:" + i), i));
    }
    HashRing ring = a.ring();
    for (int i = 0; i < 300; i++) {
      Key key = Key.of("key:" + i);
      List<RingMember> placement = ring.replicas(key.bytes(), 2);
      assertEquals(2, placement.size());
      Entry owner = done(cluster.locals.get(index(placement.get(0))).get(key));
      Entry replica = done(cluster.locals.get(index(placement.get(1))).get(key));
      assertNotNull(owner, key + " at its owner");
      assertNotNull(replica, key + " at its replica");
      assertEquals(owner.cas(), replica.cas());
      assertEquals("v" + i, new String(replica.value(), StandardCharsets.UTF_8));
      for (int n = 0; n < 3; n++) {
        if (!placement.contains(cluster.all.get(n))) {
          assertNull(done(cluster.locals.get(n).get(key)), key + " on a third node");
        }
      }
      Key counter = Key.of("n:" + i);
      RingMember counterReplica = ring.replicas(counter.bytes(), 2).get(1);
      assertEquals(String.valueOf(i), new String(
          done(cluster.locals.get(index(counterReplica)).get(counter)).value(),
          StandardCharsets.UTF_8));
    }
  }

  @Test
  void deleteRemovesEveryCopy() {
    RoutingStore a = cluster.stores.get(0);
    Key key = Key.of("gone");
    done(a.set(key, b("v"), SetOptions.DEFAULT));
    assertTrue(done(cluster.stores.get(1).delete(key)));
    for (CacheStore local : cluster.locals) {
      assertNull(done(local.get(key)));
    }
  }

  @Test
  void ownerDeathLeavesEveryKeyReadableAndWritable() {
    RoutingStore a = cluster.stores.get(0);
    List<Key> keys = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      keys.add(Key.of("k" + i));
      done(a.set(keys.get(i), b("v" + i), SetOptions.DEFAULT));
    }
    cluster.kill(1);
    for (int i = 0; i < keys.size(); i++) {
      assertEquals("v" + i, new String(done(a.get(keys.get(i))).value(), StandardCharsets.UTF_8));
      done(a.set(keys.get(i), b("w" + i), SetOptions.DEFAULT));
    }
    HashRing before = a.ring();
    cluster.dropFromRing(1, 2);
    for (int i = 0; i < keys.size(); i++) {
      Entry e = done(cluster.stores.get(2).get(keys.get(i)));
      assertNotNull(e, keys.get(i) + " was at " + before.replicas(keys.get(i).bytes(), 2)
          + ", now " + a.ring().replicas(keys.get(i).bytes(), 2));
      assertEquals("w" + i, new String(e.value(), StandardCharsets.UTF_8));
    }
    assertTrue(a.routingStats().failovers() > 0);
  }

  @Test
  void concurrentIncrementsThroughEveryNodeAddUp() {
    Key key = Key.of("counter");
    List<CompletableFuture<Long>> all = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      all.add(cluster.stores.get(i % 3).incrementBy(key, 1).toCompletableFuture());
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
    assertEquals("3000", new String(done(cluster.stores.get(2).get(key)).value(),
        StandardCharsets.UTF_8));
  }

  @Test
  void renameAcrossOwnersIsCrossSlotAndWithinATagRuns() {
    RoutingStore a = cluster.stores.get(0);
    HashRing ring = a.ring();
    Key from = Key.of("from");
    Key elsewhere = null;
    for (int i = 0; elsewhere == null; i++) {
      Key k = Key.of("to" + i);
      if (!ring.owner(k.bytes()).equals(ring.owner(from.bytes()))) {
        elsewhere = k;
      }
    }
    done(a.set(from, b("v"), SetOptions.DEFAULT));
    Key target = elsewhere;
    CompletionException e = assertThrows(CompletionException.class,
        () -> done(a.rename(from, target, false)));
    assertInstanceOf(CrossSlotException.class, e.getCause());
    Key tagged = Key.of("{from}.copy");
    done(a.rename(from, tagged, false));
    RingMember replica = ring.replicas(tagged.bytes(), 2).get(1);
    assertNotNull(done(cluster.locals.get(index(replica)).get(tagged)), "renamed key replicated");
    assertNull(done(cluster.locals.get(index(replica)).get(from)), "source gone from replica");
  }

  /**
   * An isolated section (EXEC, MSETNX, RENAME) entered through node 0 on a key node 1 owns: while
   * it runs, a write through node 2 and a read at node 1 itself wait; the section reads its own
   * write, and the others run, in order, once it ends. With the owner down, the section fails.
   */
  @Test
  void anIsolatedSectionHoldsOtherOperationsOnItsKeysAtTheirOwner() throws Exception {
    HashRing ring = cluster.stores.get(0).ring();
    Key k = null;
    for (int i = 0; k == null; i++) {
      Key candidate = Key.of("iso" + i);
      k = index(ring.owner(candidate.bytes())) == 1 ? candidate : null;
    }
    Key key = k;
    CompletableFuture<Void> inside = new CompletableFuture<>();
    CompletableFuture<Void> end = new CompletableFuture<>();
    CompletionStage<String> section = cluster.stores.get(0).isolated(List.of(key),
        view -> view.set(key, b("section"), SetOptions.DEFAULT)
            .thenCompose(r -> {
              inside.complete(null);
              return end;
            })
            .thenCompose(v -> view.get(key))
            .thenApply(e -> new String(e.value(), StandardCharsets.UTF_8)));
    done(inside);
    CompletableFuture<?> write = cluster.stores.get(2).set(key, b("other"), SetOptions.DEFAULT)
        .toCompletableFuture();
    CompletableFuture<Entry> read = cluster.stores.get(1).get(key).toCompletableFuture();
    Thread.sleep(200);
    assertTrue(!write.isDone() && !read.isDone(), "an operation ran inside another's section");
    end.complete(null);
    assertEquals("section", done(section));
    done(write);
    assertNotNull(done(read));
    assertEquals("other", value(cluster.locals.get(1), key));
    // A take-over's question for a held key is refused until the section ends.
    CompletableFuture<Void> hold = new CompletableFuture<>();
    CompletableFuture<Void> halfway = new CompletableFuture<>();
    CompletionStage<Void> held = cluster.stores.get(0).isolated(List.of(key),
        view -> view.set(key, b("half"), SetOptions.DEFAULT).thenCompose(r -> {
          halfway.complete(null);
          return hold;
        }));
    done(halfway);
    PeerOp.PeerService previousOwner = cluster.stores.get(1).service();
    CompletionException refused = assertThrows(CompletionException.class,
        () -> done(previousOwner.handOver(key, cluster.all.get(2))),
        "a take-over copied a key in the middle of a section");
    assertInstanceOf(io.sidecache.store.StoreUnavailableException.class, refused.getCause());
    hold.complete(null);
    done(held);
    Entry[] handed = new Entry[1];
    eventually("handed over once the section ended (its release is not waited for)", () -> {
      try {
        handed[0] = done(previousOwner.handOver(key, cluster.all.get(2)));
        return true;
      } catch (CompletionException notYet) {
        return false;
      }
    });
    assertEquals("half", new String(handed[0].value(), StandardCharsets.UTF_8));
    cluster.kill(1);
    CompletionException e = assertThrows(CompletionException.class,
        () -> done(cluster.stores.get(0).isolated(List.of(key), view -> view.get(key))));
    assertInstanceOf(io.sidecache.store.StoreUnavailableException.class, e.getCause());
  }

  /**
   * With write-ack one nothing waits for a replica, so a replica that stops reading must not make
   * its owner queue states without bound: once the connection to it backs up, states are deferred
   * as hints, and the replica holds every key's latest state once it reads again.
   */
  @Test
  void withWriteAckOneAReplicaThatDoesNotKeepUpGetsHintsInsteadOfAnUnboundedQueue()
      throws Exception {
    cluster.close();
    cluster = new LocalCluster(2, 2, true, false, Ticker.system(), t -> MemoryStore.builder()
        .maximumBytes(256L * 1024 * 1024).ticker(t).executor(Runnable::run).build());
    RoutingStore owner = cluster.stores.get(0);
    HashRing ring = owner.ring();
    List<Key> keys = new ArrayList<>();
    for (int i = 0; keys.size() < 8_000; i++) {
      Key k = Key.of("slow" + i);
      if (index(ring.owner(k.bytes())) == 0) {
        keys.add(k);
      }
    }
    done(owner.set(keys.get(0), b("opens the connection"), SetOptions.DEFAULT));
    eventually("the replica has the first key",
        () -> done(cluster.locals.get(1).get(keys.get(0))) != null);
    cluster.pauseReading(1, true);
    byte[] filler = new byte[4096];
    for (int round = 0; round < 2; round++) {
      for (Key k : keys) {
        byte[] v = filler.clone();
        v[0] = (byte) round;
        done(owner.set(k, v, SetOptions.DEFAULT));
      }
    }
    assertTrue(owner.routingStats().replicationDeferred() > 0,
        "64 MB of states for a replica that reads nothing were all queued");
    cluster.pauseReading(1, false);
    long resumed = System.nanoTime();
    int[] behind = new int[1];
    eventually("the replica has every key's last state", 60, () -> {
      behind[0] = 0;
      for (Key k : keys) {
        Entry e = done(cluster.locals.get(1).get(k));
        if (e == null || e.value().length != 4096 || e.value()[0] != 1) {
          behind[0]++;
        }
      }
      if (behind[0] > 0 && System.nanoTime() - resumed > TimeUnit.SECONDS.toNanos(55)) {
        System.err.println(behind[0] + " keys behind, hinted " + owner.routingStats().hinted()
            + ", deferred " + owner.routingStats().replicationDeferred());
      }
      return behind[0] == 0;
    });
  }

  @Test
  void aMalformedRequestGetsAnErrorAndTheConnectionGoesOn() throws Exception {
    NioEventLoopGroup group = new NioEventLoopGroup(1);
    try (PeerClient peer = new PeerClient(group, NioSocketChannel.class, LocalCluster.SECRET,
        "tester", 5_000)) {
      Key key = Key.of("k");
      // A value said to be a megabyte long in a frame of a few bytes.
      CompletionException e = assertThrows(CompletionException.class,
          () -> done(peer.call(cluster.all.get(1), PeerOp.SET, 1, 0, key,
              out -> out.writeInt(1 << 20))));
      assertInstanceOf(IllegalArgumentException.class, e.getCause());
      assertNull(done(cluster.locals.get(1).get(key)), "nothing stored");
      done(peer.call(cluster.all.get(1), PeerOp.SET, 1, 0, key, out -> {
        PeerCodec.writeBytes(out, b("fine"));
        PeerCodec.writeSetOptions(out, SetOptions.DEFAULT);
      }));
      assertEquals("fine", value(cluster.locals.get(1), key), "the same connection serves on");
      // A reservation said to hold a billion keys, in a frame of a few bytes.
      CompletionException reserve = assertThrows(CompletionException.class,
          () -> done(peer.call(cluster.all.get(1), PeerOp.RESERVE, 1, 0, null,
              out -> out.writeLong(42).writeInt(1_000_000_000))));
      assertInstanceOf(IllegalArgumentException.class, reserve.getCause());
      done(cluster.stores.get(1).set(key, b("still"), SetOptions.DEFAULT)); // nothing held
      assertEquals("still", value(cluster.locals.get(1), key));
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void aClientWithoutTheSecretIsRefusedAndChangesNothing() throws Exception {
    NioEventLoopGroup group = new NioEventLoopGroup(1);
    try (PeerClient stranger = new PeerClient(group, NioSocketChannel.class, "wrong-secret",
        "stranger", 5_000)) {
      Key key = Key.of("k");
      CompletionException e = assertThrows(CompletionException.class,
          () -> done(stranger.call(cluster.all.get(1), PeerOp.SET, 1, 0, key, out -> {
            PeerCodec.writeBytes(out, b("evil"));
            PeerCodec.writeSetOptions(out, SetOptions.DEFAULT);
          })));
      assertInstanceOf(PeerClient.Unreachable.class, e.getCause());
      assertNull(done(cluster.locals.get(1).get(key)));
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  /** How many live nodes hold a copy of {@code key} (reading each one's own store). */
  private int copies(LocalCluster c, Key key, int... live) {
    int n = 0;
    for (int i : live) {
      n += done(c.locals.get(i).get(key)) != null ? 1 : 0;
    }
    return n;
  }

  private static void eventually(String what, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    eventually(what, 15, condition);
  }

  private static void eventually(String what, int seconds,
      java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void afterADeathTheReplicationFactorIsRestored() throws InterruptedException {
    RoutingStore a = cluster.stores.get(0);
    List<Key> keys = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      keys.add(Key.of("r" + i));
      done(a.set(keys.get(i), b("v" + i), SetOptions.DEFAULT));
    }
    cluster.kill(1);
    cluster.dropFromRing(1, 2);
    eventually("every key on both live nodes", () ->
        keys.stream().allMatch(k -> copies(cluster, k, 0, 2) == 2));
    assertTrue(a.routingStats().pushed() + cluster.stores.get(2).routingStats().pushed() > 0);
  }

  @Test
  void aJoinMovesKeysWithoutLosingReadsOrWrites() throws Exception {
    cluster.close();
    cluster = new LocalCluster(4, 2, true, Ticker.system(), t -> MemoryStore.builder()
        .maximumBytes(16L * 1024 * 1024).ticker(t).executor(Runnable::run).build());
    cluster.publish(2, 0, 1, 2);
    RoutingStore a = cluster.stores.get(0);
    int n = 2000;
    for (int i = 0; i < n; i++) {
      done(a.set(Key.of("j" + i), b("v" + i), SetOptions.DEFAULT));
      done(a.incrementBy(Key.of("c" + i), 1));
    }
    cluster.publish(3, 0, 1, 2, 3);
    RoutingStore d = cluster.stores.get(3);
    // At once, through the new node: every key reads, and read-modify-writes see the old value.
    for (int i = 0; i < n; i++) {
      Entry e = done(d.get(Key.of("j" + i)));
      assertNotNull(e, "j" + i + " right after the join");
      assertEquals("v" + i, new String(e.value(), StandardCharsets.UTF_8));
      assertEquals(2L, done(cluster.stores.get(i % 4).incrementBy(Key.of("c" + i), 1)));
      if (i % 10 == 0) {
        assertTrue(done(cluster.stores.get(i % 4).delete(Key.of("j" + i))));
      }
    }
    HashRing ring = d.ring();
    // After the window: the moved keys live on their new placement only, deletes stayed deleted.
    eventually("every key on exactly its placement", () -> {
      for (int i = 0; i < n; i++) {
        for (String name : new String[] {"j" + i, "c" + i}) {
          Key k = Key.of(name);
          List<RingMember> placement = ring.replicas(k.bytes(), 2);
          boolean deleted = name.startsWith("j") && i % 10 == 0;
          for (int node = 0; node < 4; node++) {
            boolean there = done(cluster.locals.get(node).get(k)) != null;
            if (there != (!deleted && placement.contains(cluster.all.get(node)))) {
              return false;
            }
          }
        }
      }
      return true;
    });
    for (int i = 0; i < n; i++) {
      assertEquals(i % 10 == 0 ? null : "v" + i, value(a, Key.of("j" + i)));
      assertEquals("2", value(d, Key.of("c" + i)));
    }
    long owned = 0;
    for (int i = 0; i < n; i++) {
      owned += ring.owner(Key.of("j" + i).bytes()).equals(cluster.all.get(3)) ? 1 : 0;
    }
    assertTrue(owned > n / 4 * 0.8 && owned < n / 4 * 1.2, "new node owns " + owned);
  }

  /**
   * A join as the members see it one after another: the new node 3 and one old member have the
   * new ring; the two others still route by a ring without node 3 (a newer one: node 4 joined
   * meanwhile, in their view). A key node 3 took over is written through the members that are
   * behind: each write reaches node 3 (the old owner sends it there), none is applied where node 3
   * would never see it. A RENAME through them whose target alone was taken over goes there too.
   */
  @Test
  void membersWhoseRingIsBehindSendAKeyToTheNodeThatTookItOver() throws Exception {
    cluster.close();
    cluster = new LocalCluster(5, 2, true, Ticker.system(), t -> MemoryStore.builder()
        .maximumBytes(16L * 1024 * 1024).ticker(t).executor(Runnable::run).build());
    HashRing before = cluster.ringOf(2, 0, 1, 2);
    cluster.publishTo(before, 0, 1, 2, 3, 4);
    int n = 800;
    for (int i = 0; i < n; i++) {
      done(cluster.stores.get(0).set(Key.of("behind" + i), b("v" + i), SetOptions.DEFAULT));
      done(cluster.stores.get(0).set(Key.of("{r" + i + "}from"), b("f" + i), SetOptions.DEFAULT));
      done(cluster.stores.get(0).set(Key.of("{r" + i + "}to"), b("t" + i), SetOptions.DEFAULT));
    }
    HashRing after = cluster.ringOf(3, 0, 1, 2, 3);
    HashRing behind = cluster.ringOf(4, 0, 1, 2, 4);
    cluster.publishTo(after, 1, 3);
    RoutingStore d = cluster.stores.get(3);
    List<Key> moved = new ArrayList<>();
    List<Integer> renamed = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Key k = Key.of("behind" + i);
      int oldOwner = index(before.owner(k.bytes()));
      if (index(after.owner(k.bytes())) == 3 && oldOwner != 1
          && index(behind.owner(k.bytes())) == oldOwner) {
        moved.add(k);
        assertEquals("v" + i, value(d, k), "taken over from node " + oldOwner);
      }
      Key to = Key.of("{r" + i + "}to");
      oldOwner = index(before.owner(to.bytes()));
      if (index(after.owner(to.bytes())) == 3 && oldOwner != 1
          && index(behind.owner(to.bytes())) == oldOwner) {
        renamed.add(i);
        assertEquals("t" + i, value(d, to), "taken over from node " + oldOwner);
      }
    }
    cluster.publishTo(behind, 0, 2); // a ring change that does not bring node 3
    for (int j = 0; j < moved.size(); j++) {
      Key k = moved.get(j);
      String w = "w" + k.toString().substring("behind".length());
      int oldOwner = index(before.owner(k.bytes()));
      int via = j % 2 == 0 ? oldOwner : 2 - oldOwner; // the old owner, or the other one behind
      done(cluster.stores.get(via).set(k, b(w), SetOptions.DEFAULT));
      assertEquals(w, value(cluster.locals.get(3), k), k + " written through node " + via);
    }
    for (int i : renamed) {
      Key from = Key.of("{r" + i + "}from");
      int via = index(before.owner(from.bytes()));
      assertEquals(SetResult.Outcome.STORED,
          done(cluster.stores.get(via).rename(from, Key.of("{r" + i + "}to"), false)));
    }
    assertTrue(moved.size() > 50 && renamed.size() > 50, moved.size() + ", " + renamed.size());
    cluster.publishTo(cluster.ringOf(5, 0, 1, 2, 3, 4), 0, 1, 2, 3, 4);
    for (int node = 0; node < 5; node++) {
      RoutingStore via = cluster.stores.get(node);
      for (Key k : moved) {
        assertEquals("w" + k.toString().substring("behind".length()), value(via, k),
            k + " through node " + node);
      }
      for (int i : renamed) {
        assertEquals("f" + i, value(via, Key.of("{r" + i + "}to")), "{r" + i + "}to");
        assertNull(value(via, Key.of("{r" + i + "}from")), "{r" + i + "}from");
      }
    }
  }

  @Test
  void aJoinSoonAfterADeathKeepsEveryKeyAtItsOwner() throws Exception {
    cluster.close();
    cluster = new LocalCluster(4, 2, true, Ticker.system(), t -> MemoryStore.builder()
        .maximumBytes(16L * 1024 * 1024).ticker(t).executor(Runnable::run).build());
    cluster.publish(2, 0, 1, 2);
    RoutingStore a = cluster.stores.get(0);
    int n = 3000;
    for (int i = 0; i < n; i++) {
      done(a.set(Key.of("dj" + i), b("v" + i), SetOptions.DEFAULT));
    }
    cluster.kill(1);
    cluster.publish(3, 0, 2); // node 1 dropped
    for (int i = 0; i < 300; i++) {
      done(a.set(Key.of("dj" + i), b("w" + i), SetOptions.DEFAULT));
    }
    cluster.publish(4, 0, 2, 3);
    HashRing ring = a.ring();
    eventually("every key at its owner", () -> {
      for (int i = 0; i < n; i++) {
        Key k = Key.of("dj" + i);
        if (done(cluster.locals.get(index(ring.owner(k.bytes()))).get(k)) == null) {
          return false;
        }
      }
      return true;
    });
    assertEquals((long) n, done(cluster.stores.get(3).size()));
  }

  @Test
  void aLargeValueStreamsToItsOwnerInPartsAndAnAbortLeavesNothing() {
    largeValueStreams(false);
  }

  @Test
  void aLargeValueStreamsToAChunkingOwner() throws InterruptedException {
    cluster.close();
    cluster = new LocalCluster(3, 2, true, Ticker.system(), t -> io.sidecache.store.chunk
        .ChunkedStore.overMemory(MemoryStore.builder().maximumBytes(64L * 1024 * 1024).ticker(t)
            .executor(Runnable::run), 64L * 1024 * 1024, 65_472, t, null));
    largeValueStreams(true);
  }

  private void largeValueStreams(boolean chunked) {
    RoutingStore a = cluster.stores.get(0);
    HashRing ring = a.ring();
    Key key = null;
    for (int i = 0; key == null; i++) {
      Key k = Key.of("big" + i);
      if (!ring.owner(k.bytes()).equals(cluster.all.get(0))) {
        key = k;
      }
    }
    byte[] value = new byte[3 * RemoteWriter.PART_BYTES + 12_345];
    new java.util.Random(7).nextBytes(value);
    io.sidecache.store.ValueWriter w = a.writer(key, value.length);
    assertInstanceOf(RemoteWriter.class, w, "a key owned elsewhere streams to its owner");
    for (int off = 0; off < value.length; off += 100_000) {
      done(w.write(java.nio.ByteBuffer.wrap(value, off, Math.min(100_000, value.length - off))));
    }
    assertTrue(done(w.commit(SetOptions.builder().flags(5).build())).stored());
    for (RingMember m : ring.replicas(key.bytes(), 2)) {
      CacheStore local = cluster.locals.get(index(m));
      Entry e = done(local.get(key));
      assertNotNull(e, "on " + m.nodeId());
      org.junit.jupiter.api.Assertions.assertArrayEquals(value, done(local.read(key, e, 0, -1)
          .thenCompose(io.sidecache.store.ValueStreams::collect)));
      assertEquals(5, e.flags());
      assertEquals(chunked, e.isChunked());
    }
    Entry viaRouter = done(a.get(key));
    org.junit.jupiter.api.Assertions.assertArrayEquals(value, done(a.read(key, viaRouter, 0, -1)
        .thenCompose(io.sidecache.store.ValueStreams::collect)), "read through the router");
    Key other = Key.of(key + "-aborted");
    io.sidecache.store.ValueWriter aborted = a.writer(other, value.length);
    done(aborted.write(java.nio.ByteBuffer.wrap(value, 0, RemoteWriter.PART_BYTES + 1)));
    aborted.abort();
    assertNull(done(a.get(other)));
  }

  private static String value(CacheStore store, Key key) {
    Entry e = done(store.get(key));
    return e == null ? null : new String(e.value(), StandardCharsets.UTF_8);
  }
}
