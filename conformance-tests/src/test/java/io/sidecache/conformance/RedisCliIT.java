package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidecache.server.Sidecache;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** redis-cli (when installed) against Sidecache: the README's tour, run as a user would. */
class RedisCliIT {
  private static Sidecache server;
  private static String redisCli;

  @BeforeAll
  static void start() {
    Optional<String> cli = ExternalServer.find("redis-cli");
    assumeTrue(cli.isPresent(), "redis-cli is not installed");
    redisCli = cli.get();
    server = SidecacheServer.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String cli(String stdin, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(redisCli, "-h", "127.0.0.1", "-p",
        Integer.toString(server.respAddress().getPort())));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assumeTrue(p.waitFor(30, TimeUnit.SECONDS), "redis-cli did not finish");
    assertEquals(0, p.exitValue(), out);
    return out;
  }

  @Test
  void setThenGetrange() throws Exception {
    assertEquals("OK\n", cli(null, "set", "k", "hello"));
    assertEquals("hell\n", cli(null, "getrange", "k", "0", "3"));
  }

  @Test
  void interactiveStyleSession_noErrors() throws Exception {
    String out = cli("PING\nSET a 1\nINCR a\nGET a\n");
    assertEquals("PONG\nOK\n2\n2\n", out);
  }
}
