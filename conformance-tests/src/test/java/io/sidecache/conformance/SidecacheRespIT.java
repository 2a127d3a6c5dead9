package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespConformance} against Sidecache. */
class SidecacheRespIT extends RespConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.sidecache();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
