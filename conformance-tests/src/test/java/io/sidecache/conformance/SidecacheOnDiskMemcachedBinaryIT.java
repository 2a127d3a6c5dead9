package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link MemcachedBinaryConformance} against Sidecache with every key on disk (1-byte memory
 * tier).
 */
class SidecacheOnDiskMemcachedBinaryIT extends MemcachedBinaryConformance {
  @RegisterExtension static final MemcachedTarget TARGET = MemcachedTarget.sidecacheOnDisk();

  @Override
  InetSocketAddress memcachedAddress() {
    return TARGET.address();
  }
}
