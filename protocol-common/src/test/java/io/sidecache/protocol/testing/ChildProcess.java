package io.sidecache.protocol.testing;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a child process (a script, a command-line tool) to its end within a time bound, for
 * tests: its output (stderr merged into stdout) is drained on a thread, so a child that fills its
 * pipe or never exits cannot hang the test; past the bound the child and its descendants are
 * killed ({@code SIGKILL}) and the run fails with what it printed so far.
 */
public final class ChildProcess {
  private ChildProcess() {}

  /** How a child ended: its exit status and everything it printed (UTF-8). */
  public record Result(int exitStatus, String output) {}

  /**
   * Runs {@code builder}'s command and waits for it.
   *
   * @param builder the command, its directory and environment (its output redirection is set)
   * @param limit how long it may take
   * @return its exit status and output
   * @throws IllegalStateException if it ran longer than {@code limit} (it is killed first)
   * @throws IOException if it cannot start
   * @throws InterruptedException if interrupted while waiting (it is killed first)
   */
  public static Result run(ProcessBuilder builder, Duration limit)
      throws IOException, InterruptedException {
    Process p = builder.redirectErrorStream(true).start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread drain = new Thread(() -> copy(p.getInputStream(), out), "drain-" + p.pid());
    drain.setDaemon(true);
    drain.start();
    try {
      if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(p);
        drain.join(5_000);
        throw new IllegalStateException(String.join(" ", builder.command())
            + " did not finish within " + limit + "; it printed:\n" + text(out));
      }
      drain.join(10_000); // the pipe closes once every process that holds it is gone
      return new Result(p.exitValue(), text(out));
    } finally {
      if (p.isAlive()) {
        kill(p);
      }
    }
  }

  /**
   * Runs a command and returns its output, failing unless it exits 0 within {@code limit}.
   *
   * @param limit how long it may take
   * @param command the program and its arguments
   * @return what it printed
   * @throws IllegalStateException if it exits with another status or runs too long
   * @throws IOException if it cannot start
   * @throws InterruptedException if interrupted while waiting
   */
  public static String output(Duration limit, String... command)
      throws IOException, InterruptedException {
    Result r = run(new ProcessBuilder(command), limit);
    if (r.exitStatus() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + r.exitStatus()
          + ":\n" + r.output());
    }
    return r.output();
  }

  /**
   * Finds a program on this JVM's {@code PATH}.
   *
   * @param name e.g. {@code redis-cli}
   * @return its path, or empty if no directory of the {@code PATH} holds an executable of that name
   */
  public static Optional<Path> find(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (!dir.isEmpty() && f.canExecute()) {
        return Optional.of(f.toPath());
      }
    }
    return Optional.empty();
  }

  private static void kill(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    byte[] buf = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        synchronized (out) {
          out.write(buf, 0, n);
        }
      }
    } catch (IOException closed) {
      // the child is gone
    }
  }

  private static String text(ByteArrayOutputStream out) {
    synchronized (out) {
      return out.toString(StandardCharsets.UTF_8);
    }
  }
}
