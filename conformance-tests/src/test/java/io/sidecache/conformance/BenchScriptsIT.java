package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.protocol.testing.ChildProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The measurement scripts of {@code bench/} (bench/README.md, docs/benchmarks.md) run end to end
 * in a smoke size, so the commands the benchmark records cite cannot rot: each starts its servers
 * (Sidecache as {@code bin/sidecache} starts it and the real redis-server, memcached or nginx),
 * loads them with the public tools it documents, prints its table and stops what it started.
 * The test checks the exit status and that the table has a row with a number for each server;
 * it measures nothing. Pinning is off ({@code PIN=0}) so the smoke run does not need two cores.
 * Not run here: {@code cluster-member.sh}, which builds a module with Maven itself.
 */
class BenchScriptsIT {
  private static final Path BENCH = Path.of("../bench").toAbsolutePath().normalize();
  private static final String JAR =
      Path.of("../proxy-core/target/sidecache.jar").toAbsolutePath().normalize().toString();
  private static final String N = "[0-9][0-9.]*";

  @TempDir Path out;

  static Stream<Arguments> scripts() {
    return Stream.of(
        Arguments.of("resp.sh", Map.of("SECS", "1", "SIZES", "100", "PIPELINES", "1"),
            List.of(), List.of("^SET/100B/P1 +" + N + " +" + N, "^MIX/100B/P1 +" + N + " +" + N)),
        Arguments.of("memcached.sh", Map.of("SECS", "1"), List.of(),
            List.of("^memaslap/text/P1 +" + N + " +" + N, "^kvmix/binary/P16 +" + N + " +" + N)),
        Arguments.of("memory.sh", Map.of("KEYS", "20000"), List.of(),
            List.of("^redis-server +20000 +20000 ", "^sidecache +20000 +20000 +" + N)),
        Arguments.of("tiered.sh", Map.of("SECS", "1"), List.of(),
            List.of("^zipf0.99/P1 +" + N + " +" + N, "^memhit-100B/P16 +" + N + " +" + N)),
        Arguments.of("chunks.sh", Map.of("SECS", "1", "REQS", "50", "SIZES", "1048576"),
            List.of(), List.of("^1048576 +" + N + " +" + N + " +" + N, "^get +" + N + " +" + N)),
        Arguments.of("http.sh", Map.of("SECS", "1"), List.of(),
            List.of("^GET 1KiB +" + N + " +" + N, "^Range 4KiB of 1GiB +" + N + " +" + N)),
        Arguments.of("profile.sh", Map.of("CASES", "SET", "SECS", "1"), List.of(),
            List.of("^## SET: [0-9]+ requests.*CPU samples: async\\)$",
                "^allocated on the event loops: [0-9]+ B",
                "^CPU samples: [0-9]+; by thread: .*epollEventLoopGroup")),
        Arguments.of("ab.sh", Map.of("ROUNDS", "1", "REQUESTS", "20000", "WARMUP", "5000",
            "TESTS", "get"), List.of("a=" + JAR, "b=" + JAR),
            List.of("^get redis round 1: " + N, "^get b round 1: " + N)),
        Arguments.of("warmup.sh", Map.of("SLICES", "2", "N", "2000"), List.of(),
            List.of("^sidecache default +[0-9]+ [0-9]+$", "^redis-server +[0-9]+ [0-9]+$")),
        Arguments.of("cluster.sh", Map.of("SECS", "1", "WARMUP", "1", "PIPELINES", "1"),
            List.of(), List.of("^redis SET P1 +" + N, "^R=1 forwarded SET P1 +" + N)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scripts")
  void runsAndPrintsItsTable(String script, Map<String, String> env, List<String> args,
      List<String> rows) throws Exception {
    for (String tool : List.of("redis-benchmark", "redis-server", "memcached", "memcaslap", "wrk",
        "nginx", "gcc", "ss", "taskset")) {
      assumeTrue(ChildProcess.find(tool).isPresent(), tool + " is not installed");
    }
    ProcessBuilder builder = new ProcessBuilder(Stream.concat(
        Stream.of("bash", BENCH.resolve(script).toString()), args.stream()).toList());
    Map<String, String> e = builder.environment();
    e.keySet().removeIf(k -> k.startsWith("SIDECACHE_") || k.startsWith("JAVA_"));
    e.putAll(env);
    e.put("PIN", "0");
    e.put("SIDECACHE_JAR", JAR);
    e.put("OUT", out.resolve("profile").toString());
    ChildProcess.Result r = ChildProcess.run(builder, Duration.ofMinutes(5));
    assertEquals(0, r.exitStatus(), r.output());
    for (String row : rows) {
      assertTrue(Pattern.compile(row, Pattern.MULTILINE).matcher(r.output()).find(),
          "no line matching " + row + " in:\n" + r.output());
    }
  }
}
