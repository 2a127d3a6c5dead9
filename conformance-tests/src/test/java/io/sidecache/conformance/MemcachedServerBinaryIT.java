package io.sidecache.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link MemcachedBinaryConformance} against a real memcached: proves the suite states its behaviour. */
class MemcachedServerBinaryIT extends MemcachedBinaryConformance {
  private static ExternalServer memcached;

  @BeforeAll
  static void start() {
    Optional<ExternalServer> server = ExternalServer.memcached();
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
