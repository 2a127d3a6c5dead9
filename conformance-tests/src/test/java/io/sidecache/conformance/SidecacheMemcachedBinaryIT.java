package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link MemcachedBinaryConformance} against Sidecache. */
class SidecacheMemcachedBinaryIT extends MemcachedBinaryConformance {
  @RegisterExtension static final MemcachedTarget TARGET = MemcachedTarget.sidecache();

  @Override
  InetSocketAddress memcachedAddress() {
    return TARGET.address();
  }
}
