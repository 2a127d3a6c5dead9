package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespTrackingConformance} against a real redis-server. */
class RedisServerTrackingIT extends RespTrackingConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.redisServer();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
