package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespTransactionConformance} against Sidecache. */
class SidecacheTransactionIT extends RespTransactionConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecache();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
