package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link MemcachedMetaConformance} against a real memcached: proves the suite states its
 * behaviour.
 */
class MemcachedServerMetaIT extends MemcachedMetaConformance {
  @RegisterExtension static final MemcachedTarget TARGET = MemcachedTarget.memcached();

  @Override
  InetSocketAddress memcachedAddress() {
    return TARGET.address();
  }
}
