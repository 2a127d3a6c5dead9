package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheConfig;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RESP and memcached on Unix domain sockets ({@code --unixsocket}, {@code --memcached-unixsocket},
 * {@code --unixsocketperm}): {@code redis-cli -s} and a raw memcached exchange work the same
 * against Sidecache and against redis-server {@code --unixsocket} / memcached {@code -s}; the
 * sockets get the permissions asked for, a stale socket is replaced, and close removes them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnixSocketIT {
  @TempDir Path dir;

  /** Runs {@code redis-cli -s socket args...} and returns its output. */
  private static String redisCli(Path socket, String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("redis-cli", "-s", socket.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    return out;
  }

  /** Sends text on a Unix socket and reads until the reply ends with {@code end}. */
  private static String exchange(Path socket, String request, String end) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
      StringBuilder sb = new StringBuilder();
      ByteBuffer buf = ByteBuffer.allocate(4096);
      while (!sb.toString().endsWith(end) && ch.read(buf) > 0) {
        buf.flip();
        sb.append(StandardCharsets.US_ASCII.decode(buf));
        buf.clear();
      }
      return sb.toString();
    }
  }

  private static void assertResp(Path socket) throws Exception {
    assertEquals("OK", redisCli(socket, "SET", "uds", "v"));
    assertEquals("v", redisCli(socket, "GET", "uds"));
    assertTrue(redisCli(socket, "CLIENT", "LIST").contains("addr=" + socket + ":0"));
  }

  private static void assertMemcached(Path socket) throws IOException {
    assertEquals("STORED\r\nVALUE m 0 1\r\nx\r\nEND\r\n",
        exchange(socket, "set m 0 0 1\r\nx\r\nget m\r\n", "END\r\n"));
  }

  @Test
  void sidecache_respAndMemcachedOnUnixSockets() throws Exception {
    Path resp = dir.resolve("resp.sock");
    Path memcached = dir.resolve("memcached.sock");
    Files.createFile(resp); // an empty regular file: not a socket, refused
    try {
      SidecacheServer.start(SidecacheConfig.ephemeral(1 << 20)
          .withUnixSockets(resp, null, -1)).close();
      throw new AssertionError("a regular file at the socket path was replaced");
    } catch (io.sidecache.server.StartupException expected) {
      assertTrue(expected.getMessage().contains("is a file that is not a socket"));
    }
    Files.delete(resp);
    try (Sidecache first = SidecacheServer.start(SidecacheConfig.ephemeral(1 << 20)
        .withUnixSockets(resp, memcached, 0700))) {
      assertResp(resp);
      assertMemcached(memcached);
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(resp)));
      try {
        SidecacheServer.start(SidecacheConfig.ephemeral(1 << 20)
            .withUnixSockets(resp, null, -1)).close();
        throw new AssertionError("a second node took over a live socket");
      } catch (io.sidecache.server.StartupException expected) {
        assertTrue(expected.getMessage().contains("in use by another process"));
      }
      assertResp(resp); // the first node's socket still answers
    }
    assertFalse(Files.exists(resp), "close removes the socket");
    assertFalse(Files.exists(memcached));
  }

  /** Starts a real server on a Unix socket, runs {@code check} on it, stops the server. */
  private void withServer(List<String> command, Path socket, String log, SocketCheck check)
      throws Exception {
    Process server = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve(log).toFile()).start();
    try {
      for (int i = 0; i < 100 && !Files.exists(socket); i++) {
        Thread.sleep(50);
      }
      check.run(socket);
    } finally {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** A check against a socket. */
  @FunctionalInterface
  private interface SocketCheck {
    void run(Path socket) throws Exception;
  }

  @Test
  void redisServer_unixsocket() throws Exception {
    assumeTrue(ExternalServer.find("redis-server").isPresent(), "redis-server not installed");
    Path socket = dir.resolve("redis.sock");
    withServer(List.of("redis-server", "--port", "0", "--unixsocket", socket.toString(),
        "--save", "", "--appendonly", "no"), socket, "redis.log", UnixSocketIT::assertResp);
  }

  @Test
  void memcached_unixSocket() throws Exception {
    assumeTrue(ExternalServer.find("memcached").isPresent(), "memcached not installed");
    Path socket = dir.resolve("memcached.sock");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    List<String> cmd = new java.util.ArrayList<>(List.of("memcached", "-s", socket.toString()));
    if ("root".equals(System.getProperty("user.name"))) {
      cmd.addAll(List.of("-u", "nobody"));
    }
    withServer(cmd, socket, "memcached.log", UnixSocketIT::assertMemcached);
  }
}
