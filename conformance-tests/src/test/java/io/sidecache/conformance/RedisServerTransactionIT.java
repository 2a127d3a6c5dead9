package io.sidecache.conformance;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespTransactionConformance} against a real redis-server. */
class RedisServerTransactionIT extends RespTransactionConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.redisServer();

  @Override
  InetSocketAddress respAddress() {
    return TARGET.address();
  }
}
