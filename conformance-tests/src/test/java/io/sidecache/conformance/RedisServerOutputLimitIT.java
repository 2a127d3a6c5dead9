package io.sidecache.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link OutputLimitConformance} against a real redis-server with a normal-client hard limit. */
class RedisServerOutputLimitIT extends OutputLimitConformance {
  private static ExternalServer redis;

  @BeforeAll
  static void start() {
    Optional<ExternalServer> server = ExternalServer.redis(
        "--client-output-buffer-limit", "normal " + LIMIT + " 0 0");
    assumeTrue(server.isPresent(), "redis-server is not installed");
    redis = server.get();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (redis != null) {
      redis.close();
    }
  }

  @Override
  InetSocketAddress respAddress() {
    return redis.address();
  }
}
