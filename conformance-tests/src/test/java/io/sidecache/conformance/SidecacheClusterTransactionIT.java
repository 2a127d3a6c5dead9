package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespTransactionConformance} against a 3-node Sidecache cluster ({@link SidecacheCluster}). */
class SidecacheClusterTransactionIT extends RespTransactionConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecacheCluster();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
