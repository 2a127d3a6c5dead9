package io.sidecache.conformance;

import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link RespKeysConformance} against a real redis-server: the reference. */
class RedisServerRespKeysIT extends RespKeysConformance {
  @RegisterExtension static final RespTarget TARGET = RespTarget.redisServer();

  @Override
  RespTarget target() {
    return TARGET;
  }
}
