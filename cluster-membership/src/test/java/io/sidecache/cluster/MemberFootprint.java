package io.sidecache.cluster;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;

/**
 * Measures what one cluster member costs a node, in a fresh JVM: the time {@link
 * ClusterMembership#start} takes (class loading included, as at a node's start), the threads it
 * adds, and the heap it holds after a full GC. Run by {@code bench/cluster-member.sh}; the numbers
 * are in docs/benchmarks.md.
 */
public final class MemberFootprint {
  private MemberFootprint() {}

  /**
   * Starts one member, prints {@code start_ms threads heap_kib}, stops it.
   *
   * @param args unused
   * @throws Exception if the member cannot start
   */
  public static void main(String[] args) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    System.gc();
    long heapBefore = heap();
    int threadsBefore = Thread.activeCount();
    long t0 = System.nanoTime();
    try (ClusterMembership m = ClusterMembership.start(new ClusterSettings("footprint",
        "127.0.0.1", port, List.of("127.0.0.1:" + port), "n1", "127.0.0.1:1", 512))) {
      long startMs = (System.nanoTime() - t0) / 1_000_000;
      Thread.sleep(2_000); // let its background threads settle
      System.gc();
      System.out.printf("%d %d %d%n", startMs, Thread.activeCount() - threadsBefore,
          (heap() - heapBefore) / 1024);
    }
  }

  private static long heap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
