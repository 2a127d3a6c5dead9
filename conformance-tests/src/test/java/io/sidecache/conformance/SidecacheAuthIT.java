package io.sidecache.conformance;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link RespAuthConformance} against Sidecache started with {@code --requirepass}. */
class SidecacheAuthIT extends RespAuthConformance {
  private static Sidecache server;

  @BeforeAll
  static void start() {
    server = SidecacheServer.start(
        SidecacheConfig.ephemeral(SidecacheServer.MEMORY_BYTES).withRequirePass(PASSWORD));
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
