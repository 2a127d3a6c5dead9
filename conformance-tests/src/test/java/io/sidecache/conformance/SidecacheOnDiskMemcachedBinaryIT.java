package io.sidecache.conformance;

import io.sidecache.server.Sidecache;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link MemcachedBinaryConformance} against Sidecache with every key on disk (1-byte memory tier). */
class SidecacheOnDiskMemcachedBinaryIT extends MemcachedBinaryConformance {
  private static Sidecache server;

  @BeforeAll
  static void start() {
    server = SidecacheServer.startOnDisk();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Override
  InetSocketAddress memcachedAddress() {
    return server.memcachedAddress();
  }
}
