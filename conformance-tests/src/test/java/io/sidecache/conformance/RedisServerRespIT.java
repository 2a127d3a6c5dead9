package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link RespConformance} against a real redis-server: proves the suite states Redis's behaviour.
 */
class RedisServerRespIT extends RespConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.redisServer();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
