package io.sidecache.conformance;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A RESP server for one test class, started before its tests and stopped after them: Sidecache
 * in process, or a real redis-server (the class is skipped when redis-server is not installed).
 * Register it as a static {@code @RegisterExtension} field. Not thread-safe.
 */
final class RespTarget implements BeforeAllCallback, AfterAllCallback {
  private final boolean redis;
  private final long memoryBytes;
  private final boolean onDisk;
  private final boolean cluster;
  private Sidecache sidecache;
  private SidecacheCluster nodes;
  private ExternalServer external;

  private RespTarget(boolean redis, long memoryBytes, boolean onDisk) {
    this(redis, memoryBytes, onDisk, false);
  }

  private RespTarget(boolean redis, long memoryBytes, boolean onDisk, boolean cluster) {
    this.redis = redis;
    this.memoryBytes = memoryBytes;
    this.onDisk = onDisk;
    this.cluster = cluster;
  }

  /**
   * Returns a target that runs a 3-node Sidecache cluster ({@link SidecacheCluster}) and talks
   * to one of its nodes.
   */
  static RespTarget sidecacheCluster() {
    return sidecacheCluster(SidecacheServer.MEMORY_BYTES);
  }

  /**
   * Returns a target that runs a 3-node Sidecache cluster with another memory tier per node.
   *
   * @param memoryBytes each node's memory tier bound, in bytes
   */
  static RespTarget sidecacheCluster(long memoryBytes) {
    return new RespTarget(false, memoryBytes, false, true);
  }

  /** Returns a target that runs Sidecache with {@link SidecacheServer#MEMORY_BYTES}. */
  static RespTarget sidecache() {
    return sidecache(SidecacheServer.MEMORY_BYTES);
  }

  /**
   * Returns a target that runs Sidecache with another memory tier.
   *
   * @param memoryBytes the memory tier bound, in bytes
   */
  static RespTarget sidecache(long memoryBytes) {
    return new RespTarget(false, memoryBytes, false);
  }

  /** Returns a target that runs Sidecache with every key on disk (see {@link SidecacheServer}). */
  static RespTarget sidecacheOnDisk() {
    return new RespTarget(false, 0, true);
  }

  /** Returns a target that runs a real redis-server. */
  static RespTarget redisServer() {
    return new RespTarget(true, 0, false);
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (redis) {
      Optional<ExternalServer> server = ExternalServer.redis();
      assumeTrue(server.isPresent(), "redis-server is not installed");
      external = server.get();
    } else if (cluster) {
      nodes = SidecacheCluster.start(3, memoryBytes);
      sidecache = nodes.entry();
    } else {
      sidecache = onDisk ? SidecacheServer.startOnDisk()
          : SidecacheServer.start(SidecacheConfig.ephemeral(memoryBytes));
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
    } else if (sidecache != null) {
      sidecache.close();
    }
    sidecache = null;
  }

  /** Returns whether this is a Sidecache cluster, where keys of one command must share a node. */
  boolean isCluster() {
    return cluster;
  }

  /** Returns whether this is the real redis-server. */
  boolean isRedis() {
    return redis;
  }

  /** Returns the RESP address. */
  InetSocketAddress address() {
    return redis ? external.address() : sidecache.respAddress();
  }
}
