package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespTrackingConformance} against Sidecache. */
class SidecacheTrackingIT extends RespTrackingConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecache();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
