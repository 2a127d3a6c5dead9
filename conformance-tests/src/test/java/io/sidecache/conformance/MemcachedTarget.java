package io.sidecache.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.server.Sidecache;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A memcached server for one test class, started before its tests and stopped after them:
 * Sidecache in process, or a real memcached (the class is skipped when memcached is not
 * installed). Register it as a static {@code @RegisterExtension} field; the memcached twin of
 * {@link RespTarget}. Not thread-safe.
 */
final class MemcachedTarget implements BeforeAllCallback, AfterAllCallback {
  private final Supplier<Sidecache> sidecache;
  private final String[] memcachedOptions;
  private final boolean cluster;
  private Sidecache running;
  private SidecacheCluster nodes;
  private ExternalServer external;

  private MemcachedTarget(Supplier<Sidecache> sidecache, String[] memcachedOptions,
      boolean cluster) {
    this.sidecache = sidecache;
    this.memcachedOptions = memcachedOptions;
    this.cluster = cluster;
  }

  /** Returns a target that runs Sidecache with {@link SidecacheServer#MEMORY_BYTES}. */
  static MemcachedTarget sidecache() {
    return sidecache(SidecacheServer::start);
  }

  /** Returns a target that runs Sidecache with every key on disk. */
  static MemcachedTarget sidecacheOnDisk() {
    return sidecache(SidecacheServer::startOnDisk);
  }

  /**
   * Returns a target that runs the Sidecache {@code start} makes.
   *
   * @param start starts the server, e.g. with another configuration
   */
  static MemcachedTarget sidecache(Supplier<Sidecache> start) {
    return new MemcachedTarget(start, null, false);
  }

  /** Returns a target that runs a 3-node Sidecache cluster and talks to one of its nodes. */
  static MemcachedTarget sidecacheCluster() {
    return new MemcachedTarget(null, null, true);
  }

  /**
   * Returns a target that runs a real memcached.
   *
   * @param options more command-line options, e.g. {@code "-I", "2m"}
   */
  static MemcachedTarget memcached(String... options) {
    return new MemcachedTarget(null, options, false);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (sidecache != null) {
      running = sidecache.get();
    } else if (cluster) {
      nodes = SidecacheCluster.start(3);
      running = nodes.entry();
    } else {
      Optional<ExternalServer> server = ExternalServer.memcached(memcachedOptions);
      assumeTrue(server.isPresent(), "memcached is not installed");
      external = server.get();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws InterruptedException {
    if (external != null) {
      external.close();
      external = null;
    }
    if (nodes != null) {
      nodes.close();
      nodes = null;
    } else if (running != null) {
      running.close();
    }
    running = null;
  }

  /** Returns the memcached address. */
  InetSocketAddress address() {
    return running != null ? running.memcachedAddress() : external.address();
  }
}
