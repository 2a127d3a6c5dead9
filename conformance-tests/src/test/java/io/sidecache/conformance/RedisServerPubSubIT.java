package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespPubSubConformance} against a real redis-server. */
class RedisServerPubSubIT extends RespPubSubConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.redisServer();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
