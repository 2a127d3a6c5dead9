package io.sidecache.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.server.Sidecache;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The examples' {@code main} methods, as a user runs them against a sidecar. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExampleMainsTest {
  @Test
  void bothMainsRunAgainstANode() throws Exception {
    PrintStream console = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (Sidecache node = LocalSidecache.start()) {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      SessionStore.main(new String[] {"127.0.0.1",
          Integer.toString(node.respAddress().getPort())});
      ReadThroughCache.main(new String[] {"127.0.0.1",
          Integer.toString(node.memcachedAddress().getPort())});
    } finally {
      System.setOut(console);
    }
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("updated: {user=ada, cart=3 items}"), text);
    assertTrue(text.contains("invalidated: true, now Optional.empty"), text);
    assertTrue(text.lines().filter(l -> l.startsWith("report for report:2026 in ")).count() == 2,
        text);
  }
}
