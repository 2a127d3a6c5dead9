package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * A disk fault for real: the data directory on a 3 MiB tmpfs, a disk tier allowed 64 MiB, and
 * 12 MB written. The memory-mapped file cannot grow (the JVM reports the SIGBUS as an
 * InternalError inside MapDB); the node must go on serving from memory, count the fault, never
 * serve a wrong value, shut down, and start again on the same directory without serving
 * anything older than what it acknowledged, and report itself not ready. Needs root to mount the tmpfs; skipped otherwise.
 */
class DiskFullIT {
  private static final int KEYS = 3_000;
  @TempDir Path dir;
  private Path mount;

  @BeforeEach
  void mountTinyFilesystem() throws Exception {
    mount = dir.resolve("tiny");
    Files.createDirectories(mount);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs",
        mount.toString()).redirectErrorStream(true).start();
    boolean mounted = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    assumeTrue(mounted, "cannot mount a tmpfs here (needs root): "
        + new String(p.getInputStream().readAllBytes()));
  }

  @AfterEach
  void unmount() throws Exception {
    new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor(10, TimeUnit.SECONDS);
  }

  private SidecacheProcess start() throws IOException {
    return SidecacheProcess.start(dir.resolve("sidecache.log"), "--memory", "2m",
        "--disk-size", "64m", "--data-dir", mount.resolve("data").toString());
  }

  private static String value(int i, int version) {
    String head = "key" + i + "@" + version + ":";
    return head + "y".repeat(4096 - head.length());
  }

  private static Jedis jedis(SidecacheProcess p) {
    return new Jedis(p.respAddress().getHostString(), p.respAddress().getPort(), 10_000);
  }

  @Test
  void diskFull_nodeKeepsServingNeverWrongAndRestarts() throws Exception {
    try (SidecacheProcess p = start(); Jedis jedis = jedis(p)) {
      for (int version = 0; version < 2; version++) {
        Pipeline pipeline = jedis.pipelined();
        for (int i = 0; i < KEYS; i++) {
          pipeline.set("key" + i, value(i, version));
        }
        pipeline.sync();
      }
      int served = 0;
      for (int i = 0; i < KEYS; i++) {
        String got = jedis.get("key" + i);
        if (got != null) {
          assertEquals(value(i, 1), got, "key" + i);
          served++;
        }
      }
      assertTrue(served > 0, "the memory tier still serves");
      String info = jedis.info("disk");
      assertTrue(info.matches("(?s).*disk_faults:[1-9].*"), info);
      jedis.set("after", "the fault");
      assertEquals("the fault", jedis.get("after"));
      assertTrue(p.log().contains("out of service"), p.log());
      // Readiness reports the lost tier (docs/protocol-http.md), liveness does not.
      HttpClient http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + p.httpAddress().getPort();
      HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create(base + "/ready"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(503, ready.statusCode());
      assertTrue(ready.body().contains("disk tier failed"), ready.body());
      assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      p.stop();
    }
    try (SidecacheProcess p = start(); Jedis jedis = jedis(p)) {
      for (int i = 0; i < KEYS; i++) {
        String got = jedis.get("key" + i);
        if (got != null) {
          assertEquals(value(i, 1), got, "key" + i + " after the restart");
        }
      }
      assertEquals("PONG", jedis.ping());
    }
  }
}
