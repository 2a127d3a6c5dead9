package io.sidecache.examples;

import io.sidecache.server.Sidecache;
import io.sidecache.server.SidecacheCommand;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Sidecache in this JVM on ephemeral loopback ports, for the examples' tests. */
final class LocalSidecache {
  private LocalSidecache() {}

  /**
   * Starts a node with a 64 MiB memory tier and no disk tier unless {@code options} say otherwise.
   *
   * @param options more {@code sidecache} options
   * @return the running node; close it
   * @throws InterruptedException if interrupted while binding
   */
  static Sidecache start(String... options) throws InterruptedException {
    List<String> args = new ArrayList<>(List.of("--resp-port", "0", "--memcached-port", "0",
        "--http-port", "0"));
    args.addAll(List.of(options));
    for (String[] fallback : new String[][] {{"--memory", "64m"}, {"--disk-size", "0"}}) {
      if (!args.contains(fallback[0])) {
        args.addAll(List.of(fallback));
      }
    }
    return Sidecache.start(SidecacheCommand.check(Map.of(), args.toArray(String[]::new)));
  }
}
