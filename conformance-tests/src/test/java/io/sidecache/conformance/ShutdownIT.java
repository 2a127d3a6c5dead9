package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on a real process (issue 14, "Graceful shutdown"): a clean stop exits 0; a second
 * SIGTERM during the shutdown, or a shutdown longer than {@code --shutdown-timeout}, exits at once
 * with status 1.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ShutdownIT {
  @TempDir Path dir;

  private SidecacheProcess start(String... options) throws Exception {
    return SidecacheProcess.start(dir.resolve("node.log"), options);
  }

  @Test
  void sigtermStopsCleanlyWithStatusZero() throws Exception {
    try (SidecacheProcess p = start("--disk-size", "0")) {
      assertEquals(0, p.stop(), p.log());
      assertTrue(p.log().contains("SIGTERM: shutting down"), p.log());
      assertTrue(p.log().contains("stopped"), p.log());
    }
  }

  @Test
  void aSecondSigtermExitsAtOnceWithStatusOne() throws Exception {
    // 192 MiB in the memory tier: moving it to disk at the shutdown takes about a second here
    // (docs/architecture.md), so the second signal surely comes while the first is acted on.
    try (SidecacheProcess p = start("--memory", "256m", "--disk-size", "1g", "--data-dir",
        dir.resolve("data").toString())) {
      byte[] value = new byte[32 * 1024];
      try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis(
          p.respAddress().getHostString(), p.respAddress().getPort())) {
        redis.clients.jedis.Pipeline pipe = j.pipelined();
        for (int i = 0; i < 6_000; i++) {
          pipe.set(("k" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), value);
        }
        pipe.sync();
      }
      p.signal("TERM");
      Thread.sleep(150);
      assertTrue(p.isAlive(), "still moving the memory tier to disk: " + p.log());
      p.signal("TERM");
      assertEquals(1, p.exitStatus(), p.log());
      assertTrue(p.log().contains("second SIGTERM: exiting now"), p.log());
    }
  }

  @Test
  void aShutdownLongerThanTheTimeoutExitsWithStatusOne() throws Exception {
    try (SidecacheProcess p = start("--disk-size", "0", "--shutdown-timeout", "1ms")) {
      p.signal("TERM");
      assertEquals(1, p.exitStatus(), p.log());
      assertTrue(p.log().contains("did not finish within 1 ms"), p.log());
    }
  }
}
