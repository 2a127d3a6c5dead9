package io.sidecache.protocol.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/** Free loopback ports for the servers and child processes tests start. Thread-safe. */
public final class Ports {
  /** Ports handed out in this JVM: never twice, even when a server did not bind one yet. */
  private static final java.util.Set<Integer> HANDED_OUT =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  private Ports() {}

  /**
   * A loopback port nothing listens on, below the kernel's ephemeral range: a port from that
   * range can be taken by an outgoing connection (the nodes' own, to each other) between the
   * pick and the bind.
   *
   * @throws IOException if not even an ephemeral port can be had
   */
  public static int free() throws IOException {
    int low = 32768;
    try {
      // readAllLines, not readString: on some kernels readString gets this sysctl file truncated.
      low = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
          .get(0).trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      // not Linux: the default range's start
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < 200 && low > 11_000; i++) {
      int port = random.nextInt(10_000, low);
      if (HANDED_OUT.contains(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      } catch (IOException taken) {
        continue;
      }
      if (HANDED_OUT.add(port)) {
        return port;
      }
    }
    for (int i = 0; ; i++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(s.getLocalPort()) || i > 50) {
          return s.getLocalPort();
        }
      }
    }
  }
}
