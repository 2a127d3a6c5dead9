package io.sidecache.conformance;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link OutputLimitConformance} against Sidecache with {@code --client-output-buffer-limit}. */
class SidecacheOutputLimitIT extends OutputLimitConformance {
  private static Sidecache server;

  @BeforeAll
  static void start() {
    server = SidecacheServer.start(
        SidecacheConfig.ephemeral(SidecacheServer.MEMORY_BYTES).withOutputLimit(LIMIT));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Override
  InetSocketAddress respAddress() {
    return server.respAddress();
  }
}
