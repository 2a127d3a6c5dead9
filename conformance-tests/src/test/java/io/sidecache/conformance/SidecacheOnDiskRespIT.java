package io.sidecache.conformance;

import io.sidecache.server.Sidecache;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link RespConformance} against Sidecache with every key on disk (1-byte memory tier). */
class SidecacheOnDiskRespIT extends RespConformance {
  private static Sidecache server;

  @BeforeAll
  static void start() {
    server = SidecacheServer.startOnDisk();
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
