package io.sidecache.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.protocol.testing.ChildProcess;
import io.sidecache.server.Sidecache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "A short tour" as a user types it: every {@code $ command} of its blocks runs in
 * bash against a sidecar on free ports (the only changes: those ports for 6379, 11211 and 8080,
 * and {@code redis-cli --no-raw}, so redis-cli formats its replies as on a terminal), and its
 * output must be the lines the README shows under it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReadmeTourTest {
  private static final Path README = Path.of("../README.md");

  @TempDir Path dir;

  /** One {@code $ command} and the output lines shown under it. */
  record Step(String command, List<String> output) {}

  /** The steps of the indented blocks of one README section, in order. */
  static List<Step> steps(List<String> readme, String section) {
    int from = readme.indexOf(section);
    assertTrue(from >= 0, "README has " + section);
    List<Step> steps = new ArrayList<>();
    for (int i = from + 1; i < readme.size() && !readme.get(i).startsWith("## "); i++) {
      String line = readme.get(i);
      if (!line.startsWith("    $ ")) {
        continue;
      }
      StringBuilder command = new StringBuilder(line.substring("    $ ".length()));
      while (command.toString().endsWith("\\")) {
        command.setLength(command.length() - 1);
        command.append(readme.get(++i).strip());
      }
      List<String> output = new ArrayList<>();
      while (i + 1 < readme.size() && readme.get(i + 1).startsWith("    ")
          && !readme.get(i + 1).startsWith("    $ ")) {
        output.add(readme.get(++i).substring(4));
      }
      steps.add(new Step(command.toString(), output));
    }
    return steps;
  }

  @Test
  void theTourRunsAsWritten() throws Exception {
    for (String tool : List.of("redis-cli", "curl", "nc", "cmp")) {
      assumeTrue(ChildProcess.find(tool).isPresent(), tool + " is not installed");
    }
    List<Step> steps = steps(Files.readAllLines(README), "## A short tour");
    assertEquals(15, steps.size(), "the tour's steps");
    try (Sidecache node = LocalSidecache.start("--memory", "64m", "--disk-size", "2g",
        "--data-dir", dir.resolve("data").toString())) {
      for (Step step : steps) {
        String command = step.command()
            .replaceAll("\\b6379\\b", Integer.toString(node.respAddress().getPort()))
            .replaceAll("\\b11211\\b", Integer.toString(node.memcachedAddress().getPort()))
            .replaceAll("\\b8080\\b", Integer.toString(node.httpAddress().getPort()));
        if (!command.contains("--raw")) {
          command = command.replace("redis-cli ", "redis-cli --no-raw ");
        }
        assertEquals(String.join("\n", step.output()), run(command), step.command());
      }
    }
  }

  private String run(String command) throws Exception {
    ChildProcess.Result r = ChildProcess.run(new ProcessBuilder("bash", "-o", "pipefail", "-c",
        command).directory(dir.toFile()), Duration.ofSeconds(120));
    assertEquals(0, r.exitStatus(), command + ":\n" + r.output());
    return r.output().replace("\r", "").stripTrailing();
  }
}
