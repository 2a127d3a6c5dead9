package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link MemcachedLargeValuesConformance} against a real memcached started with {@code -I 2m} and
 * as much memory as Sidecache's run.
 */
class MemcachedServerLargeValuesIT extends MemcachedLargeValuesConformance {
  @RegisterExtension static final MemcachedTarget TARGET =
      MemcachedTarget.memcached("-I", "2m", "-m", Long.toString(MEMORY_BYTES >> 20));

  @Override
  InetSocketAddress memcachedAddress() {
    return TARGET.address();
  }
}
