package io.sidecache.conformance;

import io.sidecache.protocol.testing.Ports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} or {@code memcached} started on a free loopback port, the reference
 * the conformance suites also run against. Absent when the binary is not installed (CI installs
 * both; see {@code .ci/run}).
 */
final class ExternalServer implements AutoCloseable {
  private final Process process;
  private final InetSocketAddress address;

  private ExternalServer(Process process, InetSocketAddress address) {
    this.process = process;
    this.address = address;
  }

  /**
   * Starts {@code redis-server} without persistence, if installed.
   *
   * @param options more configuration, as {@code --name value} pairs
   */
  static Optional<ExternalServer> redis(String... options) {
    return find("redis-server").map(bin -> start(port -> {
      List<String> cmd = new ArrayList<>(List.of(bin, "--port", Integer.toString(port), "--bind",
          "127.0.0.1", "--save", "", "--appendonly", "no"));
      cmd.addAll(List.of(options));
      return cmd;
    }));
  }

  /**
   * Starts {@code memcached} with one worker thread and a 64 MB cache, if installed.
   *
   * @param options more command-line options, e.g. {@code "-I", "2m"}
   */
  static Optional<ExternalServer> memcached(String... options) {
    return find("memcached").map(bin -> start(port -> {
      List<String> cmd = new ArrayList<>(List.of(bin, "-l", "127.0.0.1", "-p",
          Integer.toString(port), "-U", "0", "-t", "1", "-m", "64"));
      if ("root".equals(System.getProperty("user.name"))) {
        cmd.addAll(List.of("-u", "nobody"));
      }
      cmd.addAll(List.of(options));
      return cmd;
    }));
  }

  /** Returns the path of an executable on {@code PATH}, or empty. */
  static Optional<String> find(String name) {
    return io.sidecache.protocol.testing.ChildProcess.find(name).map(Path::toString);
  }

  private static ExternalServer start(java.util.function.IntFunction<List<String>> command) {
    int port = freePort();
    try {
      Process p = new ProcessBuilder(command.apply(port))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline) {
        try (Socket s = new Socket()) {
          s.connect(address, 200);
          return new ExternalServer(p, address);
        } catch (IOException notYet) {
          if (!p.isAlive()) {
            throw new IllegalStateException(command.apply(port) + " exited " + p.exitValue());
          }
          Thread.sleep(20);
        }
      }
      p.destroyForcibly();
      throw new IllegalStateException(command.apply(port) + " did not listen within 10 s");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int freePort() {
    try {
      return Ports.free();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  InetSocketAddress address() {
    return address;
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }
}
