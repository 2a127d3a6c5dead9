package io.sidecache.conformance;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;

/** Starts an in-process Sidecache on ephemeral loopback ports for a test class. */
final class SidecacheServer {
  private SidecacheServer() {}

  /** The memory tier of test servers: 64 MiB. */
  static final long MEMORY_BYTES = 64L * 1024 * 1024;

  /** Starts Sidecache with a 64 MiB memory tier. */
  static Sidecache start() {
    return start(SidecacheConfig.ephemeral(MEMORY_BYTES));
  }

  /** Starts Sidecache with the given settings. */
  static Sidecache start(SidecacheConfig config) {
    try {
      return Sidecache.start(config);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
