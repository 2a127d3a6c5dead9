package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link MemcachedMetaConformance} against Sidecache. */
class SidecacheMemcachedMetaIT extends MemcachedMetaConformance {
  @RegisterExtension static final MemcachedTarget TARGET = MemcachedTarget.sidecache();

  @Override
  InetSocketAddress memcachedAddress() {
    return TARGET.address();
  }
}
