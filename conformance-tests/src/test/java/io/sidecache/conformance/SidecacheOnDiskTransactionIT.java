package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RespTransactionConformance} against Sidecache with every key on disk (1-byte memory
 * tier).
 */
class SidecacheOnDiskTransactionIT extends RespTransactionConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecacheOnDisk();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
