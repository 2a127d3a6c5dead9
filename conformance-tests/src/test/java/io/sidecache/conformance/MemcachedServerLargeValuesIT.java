package io.sidecache.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link MemcachedLargeValuesConformance} against a real memcached started with {@code -I 2m} and
 * as much memory as Sidecache's run.
 */
class MemcachedServerLargeValuesIT extends MemcachedLargeValuesConformance {
  private static ExternalServer memcached;

  @BeforeAll
  static void start() {
    Optional<ExternalServer> server = ExternalServer.memcached("-I", "2m", "-m", Long.toString(MEMORY_BYTES >> 20));
    assumeTrue(server.isPresent(), "memcached is not installed");
    memcached = server.get();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (memcached != null) {
      memcached.close();
    }
  }

  @Override
  InetSocketAddress memcachedAddress() {
    return memcached.address();
  }
}
