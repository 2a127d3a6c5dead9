package io.sidecache.conformance;

import io.sidecache.server.SidecacheConfig;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link MemcachedLargeValuesConformance} against Sidecache with a 2 MiB item limit and a memory
 * tier that holds everything the suite writes, so no get misses by eviction.
 */
class SidecacheMemcachedLargeValuesIT extends MemcachedLargeValuesConformance {
  @RegisterExtension static final MemcachedTarget TARGET = MemcachedTarget.sidecache(() ->
      SidecacheServer.start(SidecacheConfig.ephemeral(MEMORY_BYTES).withMaxItemBytes(MAX_ITEM)));

  @Override
  InetSocketAddress memcachedAddress() {
    return TARGET.address();
  }
}
