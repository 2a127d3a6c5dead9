package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.protocol.testing.Ports;
import io.sidecache.protocol.testing.ChildProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/cluster.sh}, the 3-node local cluster of docs/cluster.md (issue 14, "examples"):
 * run on free ports, it starts three {@code bin/sidecache} processes that form one ring, writes a
 * key through the first over RESP and reads it through the second over memcached and the third
 * over HTTP, and stops them all.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ClusterScriptIT {
  @TempDir Path dir;

  private static String ports() throws Exception {
    List<String> ports = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ports.add(Integer.toString(Ports.free()));
    }
    return String.join(" ", ports);
  }

  @Test
  void threeNodesServeOneKeyOverEveryProtocolAndStop() throws Exception {
    for (String tool : List.of("redis-cli", "curl", "nc")) {
      assumeTrue(ChildProcess.find(tool).isPresent(), tool + " is not installed");
    }
    ProcessBuilder builder = new ProcessBuilder("bash", Path.of("../examples/cluster.sh")
        .toAbsolutePath().normalize().toString());
    Map<String, String> env = builder.environment();
    env.keySet().removeIf(k -> k.startsWith("SIDECACHE_") || k.equals("JAVA_OPTS"));
    env.put("RESP_PORTS", ports());
    env.put("MEMCACHED_PORTS", ports());
    env.put("HTTP_PORTS", ports());
    env.put("CLUSTER_PORTS", ports());
    env.put("PEER_PORTS", ports());
    env.put("WORKDIR", dir.toString());
    env.put("SIDECACHE_MEMORY", "32m");
    env.put("SIDECACHE_DISK_SIZE", "0");
    ChildProcess.Result r = ChildProcess.run(builder, Duration.ofSeconds(150));
    String out = r.output();
    assertEquals(0, r.exitStatus(), out);
    assertTrue(out.contains("3 nodes up"), out);
    List<String> lines = out.lines().filter(l -> !l.startsWith("+")).toList();
    int set = lines.indexOf("OK");
    assertTrue(set >= 0, out);
    assertEquals(List.of("VALUE greeting 0 5", "hello", "END", "hello"),
        lines.subList(set + 1, set + 5), out);
    assertTrue(lines.get(set + 5).contains("\"members\""), out);
    for (String node : List.of("a", "b", "c")) {
      String log = Files.readString(dir.resolve(node + ".log"));
      assertTrue(log.contains("stopped"), node + " stopped on SIGTERM:\n" + log);
    }
  }
}
