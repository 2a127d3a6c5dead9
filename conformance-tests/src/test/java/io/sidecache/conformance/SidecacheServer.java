package io.sidecache.conformance;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;

/** Starts an in-process Sidecache on ephemeral loopback ports for a test class. */
final class SidecacheServer {
  private SidecacheServer() {}

  /** Starts Sidecache with a 64 MiB memory tier. */
  static Sidecache start() {
    try {
      return Sidecache.start(SidecacheConfig.ephemeral(64L * 1024 * 1024));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
