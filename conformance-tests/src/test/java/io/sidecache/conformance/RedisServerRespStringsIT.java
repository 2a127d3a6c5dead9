package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespStringsConformance} against a real redis-server: the reference. */
class RedisServerRespStringsIT extends RespStringsConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.redisServer();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
