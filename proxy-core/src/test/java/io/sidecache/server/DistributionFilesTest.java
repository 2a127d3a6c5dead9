package io.sidecache.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sidecache.protocol.testing.ChildProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deployment files of the release archive ({@code src/dist}) against the real command line:
 * what the Dockerfile's entry point and the systemd unit's {@code ExecStart} pass, and the sample
 * configuration, parse and mean what their comments say. The archive itself is started by {@code
 * DistributionIT}; no container is built here (no Docker daemon on the build machines).
 */
class DistributionFilesTest {
  private static final Path DIST = Path.of("src/dist");

  /** The lines of a file that start with a directive ({@code ENTRYPOINT}, {@code ExecStart=}). */
  private static List<String> directives(Path file, String prefix) throws Exception {
    return Files.readAllLines(DIST.resolve(file)).stream()
        .filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()).strip())
        .toList();
  }

  @Test
  void theDockerfileEntryPointBindsEveryInterfaceAndKeepsDataInTheVolume() throws Exception {
    List<String> entry = directives(Path.of("Dockerfile"), "ENTRYPOINT");
    assertEquals(1, entry.size());
    List<String> args = new ArrayList<>(Arrays.asList(
        new ObjectMapper().readValue(entry.get(0), String[].class)));
    assertEquals("/opt/sidecache/bin/sidecache", args.remove(0), "exec form, the launcher");
    SidecacheConfig c = SidecacheCommand.check(Map.of(), args.toArray(String[]::new));
    assertEquals("0.0.0.0", c.bind());
    assertEquals(Path.of("/var/lib/sidecache"), c.dataDir());
    assertEquals(List.of("/var/lib/sidecache"), directives(Path.of("Dockerfile"), "VOLUME"));

    SidecacheConfig cluster = SidecacheCommand.check(Map.of("SIDECACHE_CLUSTER_SECRET", "s"),
        "--cluster");
    Set<Integer> defaults = new TreeSet<>(List.of(c.respPort(), c.memcachedPort(), c.httpPort(),
        cluster.cluster().peerPort(), cluster.cluster().clusterPort()));
    Set<Integer> exposed = new TreeSet<>();
    for (String port : directives(Path.of("Dockerfile"), "EXPOSE").get(0).split(" +")) {
      exposed.add(Integer.parseInt(port));
    }
    assertEquals(defaults, exposed, "EXPOSE lists the default ports");
    assertTrue(directives(Path.of("Dockerfile"), "USER").stream().noneMatch(u -> u.equals("0")
        || u.equals("root")), "runs as a non-root user");
  }

  @Test
  void theSystemdUnitRunsTheSampleConfigWithTheStateDirectoryAndWaitsOutTheShutdown()
      throws Exception {
    Path unit = Path.of("systemd/sidecache.service");
    List<String> exec = new ArrayList<>(Arrays.asList(
        directives(unit, "ExecStart=").get(0).split(" +")));
    assertEquals("/opt/sidecache/bin/sidecache", exec.remove(0));
    // As the unit's install notes copy it: conf/sidecache.conf at /etc/sidecache/sidecache.conf.
    int config = exec.indexOf("--config");
    assertEquals("/etc/sidecache/sidecache.conf", exec.get(config + 1));
    exec.set(config + 1, DIST.resolve("conf/sidecache.conf").toString());
    String[] args = exec.stream().map(a -> a.replace("${STATE_DIRECTORY}", "/var/lib/sidecache"))
        .toArray(String[]::new);
    SidecacheConfig c = SidecacheCommand.check(Map.of(), args);
    assertEquals(Path.of("/var/lib/sidecache"), c.dataDir());
    assertEquals(List.of("sidecache"), directives(unit, "StateDirectory="));
    assertEquals(List.of("yes"), directives(unit, "DynamicUser="));
    assertEquals(List.of("strict"), directives(unit, "ProtectSystem="));

    // As execute() parses it: no environment, the --config file below the command line.
    SidecacheCommand command = new SidecacheCommand();
    picocli.CommandLine cl = SidecacheCommand.commandLine(command);
    cl.setDefaultValueProvider(new SidecacheCommand.Defaults(name -> null, ConfigFile.read(
        DIST.resolve("conf/sidecache.conf"), cl.getCommandSpec().optionsMap().keySet())));
    cl.parseArgs(args);
    Duration stop = Duration.ofSeconds(Long.parseLong(directives(unit, "TimeoutStopSec=").get(0)));
    assertTrue(stop.compareTo(command.shutdownTimeout) > 0,
        "systemd waits longer than --shutdown-timeout before it kills");
    assertEquals(List.of("-/etc/sidecache/secrets.env"), directives(unit, "EnvironmentFile="),
        "secrets from a root-only file, if there is one");
    assertEquals(List.of("2"), directives(unit, "RestartPreventExitStatus="),
        "a usage error (exit status 2) is not restarted");
  }

  /**
   * The JVM flags the launcher passes for {@code args}: it runs with {@code JAVA_HOME} pointing at
   * a {@code java} that prints its arguments.
   */
  private static String launcherFlags(Path javaHome, String... args) throws Exception {
    return launcherFlags(javaHome, Map.of(), args);
  }

  private static String launcherFlags(Path javaHome, Map<String, String> env, String... args)
      throws Exception {
    Path java = javaHome.resolve("bin/java");
    if (!Files.exists(java)) {
      Files.createDirectories(java.getParent());
      Files.writeString(java, "#!/bin/sh\necho \"$@\"\n");
      assertTrue(java.toFile().setExecutable(true));
    }
    List<String> command = new ArrayList<>(List.of("bash", DIST.resolve("bin/sidecache").toString()));
    command.addAll(Arrays.asList(args));
    ProcessBuilder b = new ProcessBuilder(command);
    b.environment().keySet().removeIf(k -> k.startsWith("SIDECACHE_") || k.startsWith("JAVA_"));
    b.environment().put("JAVA_HOME", javaHome.toString());
    b.environment().put("SIDECACHE_JAR", "sidecache.jar");
    b.environment().putAll(env);
    ChildProcess.Result r = ChildProcess.run(b, Duration.ofSeconds(30));
    assertEquals(0, r.exitStatus(), r.output());
    return r.output().strip().replaceAll(" -jar sidecache.jar.*", "");
  }

  @Test
  void theLauncherSizesTheHeapAndItsYoungGenerationFromTheMemoryTier(@TempDir Path javaHome)
      throws Exception {
    // heap = 2 x (memory + chunk memory, a quarter of memory by default) + 128 MiB; young = an
    // eighth of it, 64 MiB to 512 MiB; initial heap = twice the young generation, at least 256 MiB
    // and at most the heap.
    assertEquals("-Xms256m -Xmx1024m -Xmn128m -XX:+UseParallelGC -XX:MetaspaceSize=128m"
        + " -XX:+ExitOnOutOfMemoryError",
        launcherFlags(javaHome));
    assertEquals("-Xms208m -Xmx208m -Xmn64m -XX:+UseParallelGC -XX:MetaspaceSize=128m"
        + " -XX:+ExitOnOutOfMemoryError",
        launcherFlags(javaHome, "--memory", "32m"));
    assertEquals("-Xms672m -Xmx2688m -Xmn336m -XX:+UseParallelGC -XX:MetaspaceSize=128m"
        + " -XX:+ExitOnOutOfMemoryError",
        launcherFlags(javaHome, "--memory", "1g"));
    assertEquals("-Xms1024m -Xmx20608m -Xmn512m -XX:+UseParallelGC -XX:MetaspaceSize=128m"
        + " -XX:+ExitOnOutOfMemoryError",
        launcherFlags(javaHome, "--memory=8g"));
    assertEquals("-Xms1024m -Xmx6272m -Xmn512m -XX:+UseParallelGC -XX:MetaspaceSize=128m"
        + " -XX:+ExitOnOutOfMemoryError",
        launcherFlags(javaHome, "--memory", "2G", "--chunk-memory=1g"));
    // JAVA_OPTS replaces the flags, JAVA_EXTRA_OPTS adds to them.
    assertEquals("-Xmx64m -XX:+UseSerialGC",
        launcherFlags(javaHome, Map.of("JAVA_OPTS", "-Xmx64m -XX:+UseSerialGC"), "--memory=8g"));
    assertEquals("-Xms256m -Xmx1024m -Xmn128m -XX:+UseParallelGC -XX:MetaspaceSize=128m"
        + " -XX:+ExitOnOutOfMemoryError -XX:MaxDirectMemorySize=128m",
        launcherFlags(javaHome, Map.of("JAVA_EXTRA_OPTS", "-XX:MaxDirectMemorySize=128m")));
  }

  @Test
  void theSampleConfigurationIsWhatItsCommentsSay() throws Exception {
    SidecacheConfig c = SidecacheCommand.check(Map.of(), "--config",
        DIST.resolve("conf/sidecache.conf").toString());
    assertEquals("127.0.0.1", c.bind());
    assertEquals(256L << 20, c.memoryBytes());
    assertEquals(4L << 30, c.diskBytes());
    assertEquals(null, c.cluster());
    assertEquals(null, c.requirePass());
  }
}
