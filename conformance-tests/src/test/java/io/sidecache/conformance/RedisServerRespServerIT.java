package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespServerConformance} against a real redis-server: the reference. */
class RedisServerRespServerIT extends RespServerConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.redisServer();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
