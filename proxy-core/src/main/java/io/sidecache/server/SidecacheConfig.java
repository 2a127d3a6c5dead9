package io.sidecache.server;

import java.nio.file.Path;

/**
 * The settings of one Sidecache process. Ports may be 0 for an ephemeral port (tests); the bound
 * addresses are then read from {@link Sidecache}.
 *
 * @param bind the address every listener binds, e.g. {@code 127.0.0.1}
 * @param respPort the RESP (Redis) port, 0 for ephemeral
 * @param memcachedPort the memcached port, 0 for ephemeral
 * @param httpPort the HTTP port, 0 for ephemeral
 * @param memoryBytes the memory tier bound, in bytes
 * @param dataDir the disk tier directory
 * @param diskBytes the disk tier bound, in bytes; 0 turns the disk tier off (memory only)
 * @param maxItemBytes the largest value memcached accepts (memcached {@code -I}), in bytes
 * @param maxBulkBytes the largest RESP bulk string (Redis {@code proto-max-bulk-len}), in bytes
 * @param maxHttpBodyBytes the largest HTTP request body, in bytes; a longer {@code PUT} than one
 *     chunk streams into the store
 * @param requirePass the password RESP clients must give with {@code AUTH} (Redis {@code
 *     requirepass}), or {@code null} for none
 * @param outputLimitBytes the most reply bytes a connection may have unsent before it is closed
 *     (Redis's {@code client-output-buffer-limit} hard limit), 0 for none
 * @param memcachedSaslUser the user memcached binary clients authenticate as (SASL PLAIN)
 * @param memcachedSaslPassword the password of {@code memcachedSaslUser}, or {@code null} for no
 *     authentication; with a password only the binary protocol is served on the memcached port
 * @param chunkSize values longer than this many bytes are stored as chunks of this size
 * @param chunkMemoryBytes the bound of the memory chunks of such values hold, in bytes (on top of
 *     {@code memoryBytes}); without a disk tier, where they live
 * @param httpToken the bearer token every HTTP {@code /cache} request must carry, or {@code
 *     null} for none
 * @param httpTokenProtectOps whether {@code /health}, {@code /ready}, {@code /metrics} and {@code
 *     /stats} need the token too
 * @param unixSocket the path of a Unix domain socket RESP also listens on (Redis {@code
 *     unixsocket}), or {@code null} for none
 * @param memcachedUnixSocket the path of a Unix domain socket memcached also listens on
 *     (memcached {@code -s}), or {@code null} for none
 * @param unixSocketPerm the permission bits both sockets get (Redis {@code unixsocketperm}, e.g.
 *     {@code 0700}), or -1 to leave them as created
 * @param cluster how this node takes part in a cluster ({@code --cluster}), or {@code null} for a
 *     standalone node, which loads no Hazelcast
 * @param tls TLS on the TCP listeners and the peer port ({@code --tls-cert}), or {@code null} for
 *     plain TCP
 */
public record SidecacheConfig(
    String bind,
    int respPort,
    int memcachedPort,
    int httpPort,
    long memoryBytes,
    Path dataDir,
    long diskBytes,
    int maxItemBytes,
    long maxBulkBytes,
    long maxHttpBodyBytes,
    String requirePass,
    long outputLimitBytes,
    String memcachedSaslUser,
    String memcachedSaslPassword,
    int chunkSize,
    long chunkMemoryBytes,
    String httpToken,
    boolean httpTokenProtectOps,
    Path unixSocket,
    Path memcachedUnixSocket,
    int unixSocketPerm,
    io.sidecache.cluster.ClusterNode.Settings cluster,
    TlsSettings tls) {

  /** The default SASL user of the memcached listener. */
  public static final String DEFAULT_MEMCACHED_SASL_USER = "sidecache";

  /** Validates the settings. */
  public SidecacheConfig {
    checkPort("respPort", respPort);
    checkPort("memcachedPort", memcachedPort);
    checkPort("httpPort", httpPort);
    if (memoryBytes < 1) {
      throw new IllegalArgumentException("memoryBytes: " + memoryBytes + " (expected: >= 1)");
    }
    if (diskBytes < 0) {
      throw new IllegalArgumentException("diskBytes: " + diskBytes + " (expected: >= 0)");
    }
    if (outputLimitBytes < 0) {
      throw new IllegalArgumentException(
          "outputLimitBytes: " + outputLimitBytes + " (expected: >= 0)");
    }
    if (maxItemBytes < 1) {
      throw new IllegalArgumentException("maxItemBytes: " + maxItemBytes + " (expected: >= 1)");
    }
    if (memcachedSaslUser == null || memcachedSaslUser.isEmpty()) {
      throw new IllegalArgumentException("memcachedSaslUser: must not be empty");
    }
    if (memcachedSaslPassword != null && memcachedSaslPassword.isEmpty()) {
      throw new IllegalArgumentException(
          "memcachedSaslPassword: must not be empty (expected: null for no authentication)");
    }
    if (chunkSize < 1 || chunkSize > io.sidecache.store.chunk.ChunkedStore.MAX_CHUNK_SIZE) {
      throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: 1.."
          + io.sidecache.store.chunk.ChunkedStore.MAX_CHUNK_SIZE + ")");
    }
    if (chunkMemoryBytes < 0) {
      throw new IllegalArgumentException(
          "chunkMemoryBytes: " + chunkMemoryBytes + " (expected: >= 0)");
    }
    if (unixSocket != null && unixSocket.equals(memcachedUnixSocket)) {
      throw new IllegalArgumentException("memcachedUnixSocket: " + memcachedUnixSocket
          + " (expected: another path than the RESP socket's)");
    }
    if (unixSocketPerm < -1 || unixSocketPerm > 0777) {
      throw new IllegalArgumentException("unixSocketPerm: " + Integer.toOctalString(unixSocketPerm)
          + " (expected: 0..777 octal)");
    }
    if (httpToken != null && httpToken.isEmpty()) {
      throw new IllegalArgumentException("httpToken: must not be empty (expected: null for none)");
    }
    if (maxHttpBodyBytes < 1) {
      throw new IllegalArgumentException(
          "maxHttpBodyBytes: " + maxHttpBodyBytes + " (expected: >= 1)");
    }
  }

  /**
   * The effective settings on one line, as the start-up summary logs them, secrets masked: {@code
   * requirepass}, the memcached SASL password and the HTTP token show as {@code ***} when set.
   */
  @Override
  public String toString() {
    return "bind=" + bind + " memory=" + memoryBytes + " chunk-memory=" + chunkMemoryBytes
        + " chunk-size=" + chunkSize + " disk-size=" + diskBytes
        + (diskBytes > 0 ? " data-dir=" + dataDir.toAbsolutePath().normalize() : "")
        + " max-item-size=" + maxItemBytes + " proto-max-bulk-len=" + maxBulkBytes
        + " max-http-body=" + maxHttpBodyBytes + " client-output-buffer-limit=" + outputLimitBytes
        + " requirepass=" + mask(requirePass) + " memcached-sasl=" + (memcachedSaslPassword == null
            ? "off" : memcachedSaslUser + ":***")
        + " http-token=" + mask(httpToken) + (httpToken != null && httpTokenProtectOps
            ? " http-token-protect-ops" : "")
        + (unixSocket != null ? " unixsocket=" + unixSocket : "")
        + (memcachedUnixSocket != null ? " memcached-unixsocket=" + memcachedUnixSocket : "")
        + (cluster == null ? " cluster=off" : " cluster=" + cluster.clusterName()
            + " node-id=" + cluster.nodeId() + " cluster-port=" + cluster.clusterPort()
            + " peer-port=" + cluster.peerPort() + " join=" + String.join(",", cluster.join())
            + " replicas=" + cluster.copies() + " write-ack=" + (cluster.ackAll() ? "all" : "one")
            + " cluster-secret=***")
        + (tls == null ? " tls=off" : " " + tls);
  }

  private static String mask(String secret) {
    return secret == null ? "none" : "***";
  }

  private static void checkPort(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + ": " + port + " (expected: 0..65535)");
    }
  }

  /**
   * Returns the defaults on loopback with every port ephemeral and no disk tier, for tests and
   * embedding.
   *
   * @param memoryBytes the memory tier bound, in bytes
   */
  public static SidecacheConfig ephemeral(long memoryBytes) {
    return new SidecacheConfig(
        "127.0.0.1", 0, 0, 0, memoryBytes, Path.of("data"), 0, 1024 * 1024, 512L * 1024 * 1024,
        64 * 1024 * 1024, null, 0, DEFAULT_MEMCACHED_SASL_USER, null,
        io.sidecache.store.chunk.ChunkedStore.DEFAULT_CHUNK_SIZE, memoryBytes / 4, null, false,
        null, null, -1, null, null);
  }

  /**
   * Returns these settings with another RESP password.
   *
   * @param password the password, or {@code null} for none
   * @return the new settings
   */
  public SidecacheConfig withRequirePass(String password) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
        diskBytes, maxItemBytes, maxBulkBytes, maxHttpBodyBytes, password, outputLimitBytes,
        memcachedSaslUser, memcachedSaslPassword, chunkSize, chunkMemoryBytes, httpToken, httpTokenProtectOps, unixSocket, memcachedUnixSocket,
        unixSocketPerm, cluster, tls);
  }

  /**
   * Returns these settings with SASL PLAIN authentication on the memcached listener.
   *
   * @param user the user name, must not be empty
   * @param password the password, must not be empty
   * @return the new settings
   */
  public SidecacheConfig withMemcachedSasl(String user, String password) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
        diskBytes, maxItemBytes, maxBulkBytes, maxHttpBodyBytes, requirePass, outputLimitBytes,
        user, password, chunkSize, chunkMemoryBytes, httpToken, httpTokenProtectOps, unixSocket, memcachedUnixSocket,
        unixSocketPerm, cluster, tls);
  }

  /**
   * Returns these settings with a disk tier.
   *
   * @param dir the disk tier directory
   * @param bytes the disk tier bound in bytes, 0 for none
   * @return the new settings
   */
  public SidecacheConfig withDisk(Path dir, long bytes) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dir, bytes,
        maxItemBytes, maxBulkBytes, maxHttpBodyBytes, requirePass, outputLimitBytes,
        memcachedSaslUser, memcachedSaslPassword, chunkSize, chunkMemoryBytes, httpToken, httpTokenProtectOps, unixSocket, memcachedUnixSocket,
        unixSocketPerm, cluster, tls);
  }

  /**
   * Returns these settings with another largest memcached value.
   *
   * @param bytes the largest value memcached accepts (memcached {@code -I}), in bytes, at least 1
   * @return the new settings
   */
  public SidecacheConfig withMaxItemBytes(int bytes) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
        diskBytes, bytes, maxBulkBytes, maxHttpBodyBytes, requirePass, outputLimitBytes,
        memcachedSaslUser, memcachedSaslPassword, chunkSize, chunkMemoryBytes, httpToken, httpTokenProtectOps, unixSocket, memcachedUnixSocket,
        unixSocketPerm, cluster, tls);
  }

  /**
   * Returns these settings with another chunk size.
   *
   * @param bytes values longer than this are stored in chunks of this many bytes
   * @return the new settings
   */
  public SidecacheConfig withChunkSize(int bytes) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
        diskBytes, maxItemBytes, maxBulkBytes, maxHttpBodyBytes, requirePass, outputLimitBytes,
        memcachedSaslUser, memcachedSaslPassword, bytes, chunkMemoryBytes, httpToken, httpTokenProtectOps, unixSocket, memcachedUnixSocket,
        unixSocketPerm, cluster, tls);
  }

  /**
   * Returns these settings with another output buffer limit.
   *
   * @param bytes the most unsent reply bytes per connection, 0 for none
   * @return the new settings
   */
  public SidecacheConfig withOutputLimit(long bytes) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
        diskBytes, maxItemBytes, maxBulkBytes, maxHttpBodyBytes, requirePass, bytes,
        memcachedSaslUser, memcachedSaslPassword, chunkSize, chunkMemoryBytes, httpToken, httpTokenProtectOps, unixSocket, memcachedUnixSocket,
        unixSocketPerm, cluster, tls);
  }

  /**
   * Returns these settings with a bearer token on the HTTP listener.
   *
   * @param token the token, or {@code null} for none; must not be empty
   * @param protectOps whether the operations endpoints need it too
   * @return the new settings
   */
  public SidecacheConfig withHttpToken(String token, boolean protectOps) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
        diskBytes, maxItemBytes, maxBulkBytes, maxHttpBodyBytes, requirePass, outputLimitBytes,
        memcachedSaslUser, memcachedSaslPassword, chunkSize, chunkMemoryBytes, token, protectOps,
        unixSocket, memcachedUnixSocket, unixSocketPerm, cluster, tls);
  }

  /**
   * Returns these settings with Unix domain sockets.
   *
   * @param resp the RESP socket's path, or {@code null}
   * @param memcached the memcached socket's path, or {@code null}
   * @param perm the sockets' permission bits, or -1 to leave them as created
   * @return the new settings
   */
  public SidecacheConfig withUnixSockets(Path resp, Path memcached, int perm) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
        diskBytes, maxItemBytes, maxBulkBytes, maxHttpBodyBytes, requirePass, outputLimitBytes,
        memcachedSaslUser, memcachedSaslPassword, chunkSize, chunkMemoryBytes, httpToken,
        httpTokenProtectOps, resp, memcached, perm, cluster, tls);
  }

  /**
   * Returns these settings with TLS.
   *
   * @param settings the TLS files and protocols, or {@code null} for plain TCP
   * @return the new settings
   */
  public SidecacheConfig withTls(TlsSettings settings) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
        diskBytes, maxItemBytes, maxBulkBytes, maxHttpBodyBytes, requirePass, outputLimitBytes,
        memcachedSaslUser, memcachedSaslPassword, chunkSize, chunkMemoryBytes, httpToken,
        httpTokenProtectOps, unixSocket, memcachedUnixSocket, unixSocketPerm, cluster, settings);
  }

  /**
   * Returns these settings as a cluster node.
   *
   * @param settings how to take part, or {@code null} for a standalone node
   * @return the new settings
   */
  public SidecacheConfig withCluster(io.sidecache.cluster.ClusterNode.Settings settings) {
    return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
        diskBytes, maxItemBytes, maxBulkBytes, maxHttpBodyBytes, requirePass, outputLimitBytes,
        memcachedSaslUser, memcachedSaslPassword, chunkSize, chunkMemoryBytes, httpToken,
        httpTokenProtectOps, unixSocket, memcachedUnixSocket, unixSocketPerm, settings, tls);
  }
}
