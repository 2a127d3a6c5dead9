package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespLargeValuesConformance} against a real redis-server. */
class RedisServerRespLargeValuesIT extends RespLargeValuesConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.redisServer();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
