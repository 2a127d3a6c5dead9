package io.sidecache.cluster;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * One immutable snapshot of the consistent-hash ring: for a key, its owner and replicas among the
 * members live when the snapshot was built (DESIGN.md "Cluster").
 *
 * <p>Each member places {@code virtualNodes} points on a 64-bit ring, at the hashes of {@code
 * "<nodeId>#<i>"}; a key's hash falls between two points and belongs to the member of the next
 * point clockwise, its owner; its replicas are the next distinct members clockwise. With 512
 * virtual nodes per member, 3 members each hold within 10% of an even share in 98% of layouts
 * (DESIGN.md; {@code HashRingTest} measures it). A member's points depend only on its node id, so
 * when a member joins or leaves only the keys next to its points move.
 *
 * <p>Hashes are Guava's FarmHash Fingerprint64, which is guaranteed never to change between
 * releases, so every node, whatever its version, computes the same owner. Only the part of a key
 * inside its first {@code {...}} is hashed when that part is non-empty, as Redis Cluster's hash
 * tags do, so related keys ({@code user:{42}:name}, {@code user:{42}:cart}) share an owner.
 *
 * <p>Immutable and thread-safe; {@link ClusterMembership} publishes a new snapshot, with the next
 * epoch, on each membership change.
 */
public final class HashRing {
  /** Virtual nodes per member by default. */
  public static final int DEFAULT_VIRTUAL_NODES = 512;

  private static final HashFunction HASH = Hashing.farmHashFingerprint64();

  private final long epoch;
  private final List<RingMember> members;
  private final long[] points;
  private final int[] owners;

  private HashRing(long epoch, List<RingMember> members, long[] points, int[] owners) {
    this.epoch = epoch;
    this.members = members;
    this.points = points;
    this.owners = owners;
  }

  /**
   * Builds a ring.
   *
   * @param epoch the snapshot's number, higher for later snapshots of the same node
   * @param members the live members; duplicates by node id are kept once
   * @param virtualNodes the points per member, at least 1
   * @return the ring; with no members, every lookup answers no member
   * @throws IllegalArgumentException if {@code virtualNodes} is below 1
   */
  public static HashRing of(long epoch, Collection<RingMember> members, int virtualNodes) {
    if (virtualNodes < 1) {
      throw new IllegalArgumentException("virtualNodes: " + virtualNodes + " (expected: >= 1)");
    }
    List<RingMember> sorted = new ArrayList<>(new TreeSet<>(members));
    int n = sorted.size() * virtualNodes;
    long[] keys = new long[n];
    for (int m = 0; m < sorted.size(); m++) {
      for (int v = 0; v < virtualNodes; v++) {
        keys[m * virtualNodes + v] = point(sorted.get(m).nodeId(), v);
      }
    }
    // Sort the points with their members: by point, then by member order on a (rare) tie.
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> keys[a] != keys[b]
        ? Long.compareUnsigned(keys[a], keys[b]) : Integer.compare(a, b));
    long[] points = new long[n];
    int[] owners = new int[n];
    for (int i = 0; i < n; i++) {
      points[i] = keys[order[i]];
      owners[i] = order[i] / virtualNodes;
    }
    return new HashRing(epoch, List.copyOf(sorted), points, owners);
  }

  private static long point(String nodeId, int index) {
    return HASH.hashString(nodeId + '#' + index, StandardCharsets.UTF_8).asLong();
  }

  /**
   * Hashes a key onto the ring: its hash tag when it has one (the bytes between its first
   * {@code {} and the first {@code }} after it, when there is at least one), else the whole key,
   * as Redis Cluster's {@code keyHashSlot}.
   *
   * @param key the key bytes
   * @return the position on the ring, as unsigned 64 bits
   */
  public static long hash(byte[] key) {
    int open = indexOf(key, (byte) '{', 0);
    if (open >= 0) {
      int close = indexOf(key, (byte) '}', open + 1);
      if (close > open + 1) {
        return HASH.hashBytes(key, open + 1, close - open - 1).asLong();
      }
    }
    return HASH.hashBytes(key).asLong();
  }

  private static int indexOf(byte[] b, byte c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }

  /** Returns the snapshot's epoch. */
  public long epoch() {
    return epoch;
  }

  /** Returns the members, ordered by node id. */
  public List<RingMember> members() {
    return members;
  }

  /**
   * Returns the owner of a key.
   *
   * @param key the key bytes
   * @return the owner, or {@code null} when the ring has no members
   */
  public RingMember owner(byte[] key) {
    return points.length == 0 ? null : members.get(owners[successor(hash(key))]);
  }

  /**
   * Returns where a key lives: its owner, then its replicas, each a distinct member met walking
   * clockwise from the key's hash.
   *
   * @param key the key bytes
   * @param copies how many members to return, the replication factor R, at least 1
   * @return the owner and up to {@code copies - 1} replicas, fewer when the ring has fewer
   *     members; empty when it has none
   */
  public List<RingMember> replicas(byte[] key, int copies) {
    if (copies < 1) {
      throw new IllegalArgumentException("copies: " + copies + " (expected: >= 1)");
    }
    int want = Math.min(copies, members.size());
    List<RingMember> out = new ArrayList<>(want);
    if (want == 0) {
      return out;
    }
    boolean[] taken = new boolean[members.size()];
    for (int i = successor(hash(key)), seen = 0; out.size() < want && seen < points.length;
        i = (i + 1) % points.length, seen++) {
      int m = owners[i];
      if (!taken[m]) {
        taken[m] = true;
        out.add(members.get(m));
      }
    }
    return out;
  }

  /**
   * Returns the share of the hash space a member owns: the arcs ending at its points.
   *
   * @param member the member, found by node id
   * @return a fraction from 0 to 1; 0 for a member not on the ring
   */
  public double share(RingMember member) {
    int m = -1;
    for (int i = 0; i < members.size(); i++) {
      if (members.get(i).nodeId().equals(member.nodeId())) {
        m = i;
      }
    }
    if (m < 0 || points.length == 0) {
      return 0;
    }
    double owned = 0;
    for (int i = 0; i < points.length; i++) {
      if (owners[i] == m) {
        long previous = points[(i - 1 + points.length) % points.length];
        // The arc (previous, point], unsigned; one point alone owns the whole ring.
        long arc = points.length == 1 ? -1L : points[i] - previous;
        owned += unsigned(arc);
      }
    }
    return owned / 0x1p64;
  }

  private static double unsigned(long v) {
    return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
  }

  /** The index of the first point at or after {@code h}, clockwise, wrapping to 0. */
  private int successor(long h) {
    int lo = 0;
    int hi = points.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(points[mid], h) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo == points.length ? 0 : lo;
  }

  @Override
  public String toString() {
    return "HashRing{epoch=" + epoch + ", members=" + members + '}';
  }
}
