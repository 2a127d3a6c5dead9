package io.sidecache.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.protocol.testing.ChildProcess;
import io.sidecache.server.Sidecache;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code examples/range-download.sh} against a sidecar: a 48 MiB value uploaded with curl comes
 * back identical from four parallel {@code curl -r} ranges and from {@code GETRANGE}, and again
 * after the node restarts on the same disk tier ({@code check}).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RangeDownloadScriptTest {
  @TempDir Path dir;

  private String run(Sidecache node, String mode) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", Path.of("range-download.sh")
        .toAbsolutePath().toString(), mode);
    builder.environment().putAll(Map.of("RESP_PORT",
        Integer.toString(node.respAddress().getPort()), "HTTP_PORT",
        Integer.toString(node.httpAddress().getPort()), "SIZE", Integer.toString(48 << 20),
        "WORKDIR", dir.toString()));
    ChildProcess.Result r = ChildProcess.run(builder, Duration.ofSeconds(120));
    assertEquals(0, r.exitStatus(), r.output());
    return r.output();
  }

  @Test
  void theRangesJoinToTheUploadedBytesBeforeAndAfterARestart() throws Exception {
    for (String tool : List.of("redis-cli", "curl", "cmp")) {
      assumeTrue(ChildProcess.find(tool).isPresent(), tool + " is not installed");
    }
    String[] options = {"--memory", "16m", "--disk-size", "256m", "--data-dir",
        dir.resolve("data").toString()};
    try (Sidecache node = LocalSidecache.start(options)) {
      assertEquals("uploaded 50331648 bytes\ndownloaded in 4 ranges: same\n"
          + "GETRANGE of 100 bytes: same\n", run(node, "upload"));
    }
    try (Sidecache node = LocalSidecache.start(options)) {
      assertEquals("downloaded in 4 ranges: same\nGETRANGE of 100 bytes: same\n",
          run(node, "check"));
    }
  }
}
