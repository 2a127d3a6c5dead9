package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link MemcachedConformance} against Sidecache. */
class SidecacheMemcachedIT extends MemcachedConformance {
  @RegisterExtension static final MemcachedTarget TARGET = MemcachedTarget.sidecache();

  @Override
  InetSocketAddress memcachedAddress() {
    return TARGET.address();
  }
}
