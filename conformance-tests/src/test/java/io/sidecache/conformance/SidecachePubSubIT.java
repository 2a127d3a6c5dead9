package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespPubSubConformance} against Sidecache. */
class SidecachePubSubIT extends RespPubSubConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecache();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
