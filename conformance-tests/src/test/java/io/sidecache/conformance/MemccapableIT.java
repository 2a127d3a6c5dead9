package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.server.Sidecache;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs libmemcached's {@code memccapable} (package libmemcached-tools; older builds call it
 * {@code memcapable}) against a real memcached and against Sidecache, ASCII and binary tests
 * alike, and requires every test that passes on memcached to pass on Sidecache.
 */
class MemccapableIT {
  private static final Pattern RESULT = Pattern.compile("^(.+?)\\s+\\[(pass|fail|skip)\\]\\s*$");

  @Test
  void everyTestPassingOnMemcached_passesOnSidecache() throws Exception {
    Optional<String> tool = ExternalServer.find("memccapable").or(() -> ExternalServer.find(
        "memcapable"));
    assumeTrue(tool.isPresent(), "memccapable is not installed (libmemcached-tools)");
    Optional<ExternalServer> memcached = ExternalServer.memcached();
    assumeTrue(memcached.isPresent(), "memcached is not installed");
    Map<String, String> reference;
    try (ExternalServer server = memcached.get()) {
      reference = run(tool.get(), server.address());
    }
    Map<String, String> sidecache;
    try (Sidecache server = SidecacheServer.start()) {
      sidecache = run(tool.get(), server.memcachedAddress());
    }
    assertFalse(reference.isEmpty(), "memccapable ran no test");
    List<String> regressions = new ArrayList<>();
    reference.forEach((name, result) -> {
      if (result.equals("pass") && !"pass".equals(sidecache.get(name))) {
        regressions.add(name + ": " + sidecache.get(name));
      }
    });
    assertEquals(List.of(), regressions, "memcached " + reference + "\nSidecache " + sidecache);
  }

  /** Runs every memccapable test against one server; returns test name to result. */
  private static Map<String, String> run(String tool, InetSocketAddress address)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(tool, "-h", "127.0.0.1", "-p",
        Integer.toString(address.getPort()), "-t", "5")
        .redirectErrorStream(true)
        .start();
    p.getOutputStream().close();
    byte[] output = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(tool + " did not finish within 120 s");
    }
    Map<String, String> results = new TreeMap<>();
    for (String line : new String(output, StandardCharsets.UTF_8).split("\n")) {
      Matcher m = RESULT.matcher(line);
      if (m.matches()) {
        results.put(m.group(1).trim(), m.group(2));
      }
    }
    return results;
  }
}
