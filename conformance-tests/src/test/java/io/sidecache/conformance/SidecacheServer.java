package io.sidecache.conformance;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import java.nio.file.Path;

/** Starts an in-process Sidecache on ephemeral loopback ports for a test class. */
final class SidecacheServer {
  private SidecacheServer() {}

  /** The memory tier of test servers: 64 MiB. */
  static final long MEMORY_BYTES = 64L * 1024 * 1024;

  /** Starts Sidecache with a 64 MiB memory tier. */
  static Sidecache start() {
    return start(SidecacheConfig.ephemeral(MEMORY_BYTES));
  }

  /**
   * Starts Sidecache with a memory tier of one byte over a disk tier under {@code target/}: every
   * entry is demoted as soon as it is written, so every command runs on disk-resident keys.
   */
  static Sidecache startOnDisk() {
    Path dir = Path.of("target", "disk-tier-" + System.nanoTime());
    return start(SidecacheConfig.ephemeral(1).withDisk(dir, 256L * 1024 * 1024));
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
