package io.sidecache.conformance;

import io.sidecache.protocol.testing.Ports;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sidecache as a child process (the shaded jar {@code bin/sidecache} runs), for restart and crash
 * tests: started on free loopback ports, stopped with SIGTERM or killed with SIGKILL ({@code kill
 * -9}). Its output goes to a log file next to the data directory. Not thread-safe.
 */
final class SidecacheProcess implements AutoCloseable {
  private final Process process;
  private final InetSocketAddress resp;
  private final InetSocketAddress memcached;
  private final InetSocketAddress http;
  private final Path log;

  private SidecacheProcess(Process process, InetSocketAddress resp, InetSocketAddress memcached,
      InetSocketAddress http, Path log) {
    this.process = process;
    this.resp = resp;
    this.memcached = memcached;
    this.http = http;
    this.log = log;
  }

  /**
   * Starts Sidecache with a 512 MiB heap; see {@link #start(Path, List, String...)}.
   */
  static SidecacheProcess start(Path logFile, String... options) throws IOException {
    return start(logFile, List.of("-Xmx512m"), options);
  }

  /**
   * Starts Sidecache and waits (at most 30 s) until its RESP and HTTP ports (the first and the
   * last it binds) accept connections.
   *
   * @param logFile where its output goes
   * @param jvmOptions JVM options, e.g. {@code -Xmx160m}
   * @param options command-line options after the ports, e.g. {@code --memory 8m}
   */
  static SidecacheProcess start(Path logFile, List<String> jvmOptions, String... options)
      throws IOException {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-XX:+ExitOnOutOfMemoryError", "-cp", classpath(),
        "io.sidecache.server.SidecacheCommand"));
    return launch(cmd, null, logFile, options);
  }

  /**
   * Runs a command that starts Sidecache (the JVM, or a launcher script such as the release
   * archive's {@code bin/sidecache}) with free loopback ports appended, then {@code options}, and
   * waits (at most 30 s) until its RESP and HTTP ports accept connections.
   *
   * @param command the program and its arguments before the Sidecache options
   * @param environment the whole environment of the process, or {@code null} for this JVM's
   *     without its {@code SIDECACHE_*} variables
   * @param logFile where its output goes
   * @param options command-line options after the ports
   */
  static SidecacheProcess launch(List<String> command, java.util.Map<String, String> environment,
      Path logFile, String... options) throws IOException {
    int respPort = Ports.free();
    int memcachedPort = Ports.free();
    int httpPort = Ports.free();
    List<String> cmd = new ArrayList<>(command);
    cmd.addAll(List.of("--resp-port", Integer.toString(respPort),
        "--memcached-port", Integer.toString(memcachedPort),
        "--http-port", Integer.toString(httpPort)));
    cmd.addAll(List.of(options));
    ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    if (environment != null) {
      builder.environment().clear();
      builder.environment().putAll(environment);
    } else {
      // Only what the test passes configures the node, not this machine's SIDECACHE_* variables.
      builder.environment().keySet().removeIf(k -> k.startsWith("SIDECACHE_"));
    }
    Process p = builder.start();
    InetSocketAddress resp = new InetSocketAddress("127.0.0.1", respPort);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket(); Socket h = new Socket()) {
        s.connect(resp, 200);
        h.connect(new InetSocketAddress("127.0.0.1", httpPort), 200); // bound last
        return new SidecacheProcess(p, resp,
            new InetSocketAddress("127.0.0.1", memcachedPort),
            new InetSocketAddress("127.0.0.1", httpPort), logFile);
      } catch (IOException notYet) {
        if (!p.isAlive()) {
          throw new IllegalStateException("sidecache exited " + p.exitValue() + ":\n"
              + Files.readString(logFile));
        }
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("sidecache did not listen within 30 s:\n"
        + Files.readString(logFile));
  }

  /** The shaded jar when built, else this JVM's class path (which holds proxy-core). */
  private static String classpath() {
    File jar = new File(System.getProperty("sidecache.jar", "../proxy-core/target/sidecache.jar"));
    return jar.isFile() ? jar.getAbsolutePath() : System.getProperty("java.class.path");
  }

  InetSocketAddress respAddress() {
    return resp;
  }

  InetSocketAddress memcachedAddress() {
    return memcached;
  }

  InetSocketAddress httpAddress() {
    return http;
  }

  /** Returns what the process logged so far. */
  String log() throws IOException {
    return Files.readString(log);
  }

  /** Sends SIGTERM and waits (at most 60 s) for a clean exit; returns the exit status. */
  int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new IllegalStateException("sidecache did not stop within 60 s of SIGTERM");
    }
    return process.exitValue();
  }

  /** Sends a signal by name ({@code TERM}, {@code INT}) with {@code kill}. */
  void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
        .redirectErrorStream(true).start();
    kill.getInputStream().readAllBytes();
    kill.waitFor();
  }

  /** Waits (at most 60 s) for the process to exit; returns its exit status. */
  int exitStatus() throws InterruptedException {
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new IllegalStateException("sidecache did not exit within 60 s");
    }
    return process.exitValue();
  }

  /** Returns whether the process is still running. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** Sends SIGKILL ({@code kill -9}) and waits for the process to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
