package io.sidecache.conformance;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MemcachedLargeValuesConformance} against Sidecache with a 2 MiB item limit and a memory
 * tier that holds everything the suite writes, so no get misses by eviction.
 */
class SidecacheMemcachedLargeValuesIT extends MemcachedLargeValuesConformance {
  private static Sidecache server;

  @BeforeAll
  static void start() {
    server = SidecacheServer.start(SidecacheConfig.ephemeral(MEMORY_BYTES)
        .withMaxItemBytes(MAX_ITEM));
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
