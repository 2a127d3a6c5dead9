package io.sidecache.conformance;

import io.sidecache.server.Sidecache;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link MemcachedBinaryConformance} against Sidecache. */
class SidecacheMemcachedBinaryIT extends MemcachedBinaryConformance {
  private static Sidecache server;

  @BeforeAll
  static void start() {
    server = SidecacheServer.start();
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
