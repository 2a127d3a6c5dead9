package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link MemcachedMetaConformance} against a 3-node Sidecache cluster ({@link SidecacheCluster}). */
class SidecacheClusterMemcachedMetaIT extends MemcachedMetaConformance {
  @RegisterExtension static final MemcachedTarget TARGET = MemcachedTarget.sidecacheCluster();

  @Override
  InetSocketAddress memcachedAddress() {
    return TARGET.address();
  }
}
