package io.sidecache.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sidecache.server.Sidecache;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * {@code examples/grafana/sidecache-dashboard.json} against what a node exports (issue 14,
 * "examples"): every metric a panel's query names is on {@code /metrics} of a node with a disk
 * tier and {@code --cluster}, and every label the query matches on or groups by is on that metric,
 * so no panel of the dashboard is empty because of a renamed meter or label.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrafanaDashboardTest {
  private static final Path DASHBOARD = Path.of("grafana/sidecache-dashboard.json");
  private static final Pattern METRIC = Pattern.compile(
      "\\b((?:sidecache|jvm|process|system)_[a-z0-9_]+)(\\{([^}]*)\\})?");
  private static final Pattern MATCHER = Pattern.compile("([a-z_]+)(=~|!=|!~|=)\"([^\"]*)\"");
  private static final Pattern GROUPING = Pattern.compile("\\bby \\(([a-z_, ]+)\\)");

  @TempDir Path dir;

  @Test
  void everyQueryNamesExportedMetricsAndLabels() throws Exception {
    int clusterPort;
    try (ServerSocket probe = new ServerSocket(0)) {
      clusterPort = probe.getLocalPort();
    }
    Map<String, List<Map<String, String>>> exported;
    try (Sidecache node = LocalSidecache.start("--disk-size", "16m", "--data-dir",
        dir.toString(), "--cluster", "--cluster-secret", "dashboard", "--cluster-port",
        Integer.toString(clusterPort), "--peer-port", "0")) {
      traffic(node);
      // The GC pause meters appear with the first collection, which the JVM reports to
      // Micrometer asynchronously.
      System.gc();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      do {
        HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + node.httpAddress().getPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, metrics.statusCode());
        exported = samples(metrics.body());
        Thread.sleep(exported.containsKey("jvm_gc_pause_seconds_sum") ? 0 : 100);
      } while (!exported.containsKey("jvm_gc_pause_seconds_sum") && System.nanoTime() < deadline);
    }

    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> problems = new ArrayList<>();
    Set<Integer> ids = new HashSet<>();
    int queries = 0;
    for (JsonNode panel : dashboard.path("panels")) {
      assertTrue(ids.add(panel.path("id").asInt()), "panel ids are unique");
      for (JsonNode target : panel.path("targets")) {
        queries++;
        problems.addAll(check(panel.path("title").asText(), target.path("expr").asText(),
            exported));
      }
    }
    assertTrue(queries > 20, "the dashboard has its queries: " + queries);
    assertEquals(List.of(), problems);
  }

  /** RESP, memcached and HTTP commands, hits and misses, one value long enough to be chunked. */
  private static void traffic(Sidecache node) throws Exception {
    try (Jedis jedis = new Jedis("127.0.0.1", node.respAddress().getPort())) {
      jedis.set("k", "v");
      jedis.get("k");
      jedis.get("missing");
      jedis.set("large".getBytes(StandardCharsets.UTF_8), new byte[200_000]);
      jedis.getrange("large", 150_000, 150_010);
    }
    try (Socket s = new Socket("127.0.0.1", node.memcachedAddress().getPort())) {
      OutputStream out = s.getOutputStream();
      out.write("get k\r\nget missing\r\nquit\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      s.getInputStream().readAllBytes();
    }
    HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + node.httpAddress().getPort() + "/cache/k")).build(),
        HttpResponse.BodyHandlers.discarding());
  }

  /** The samples of a Prometheus text exposition: their label sets by metric name. */
  private static Map<String, List<Map<String, String>>> samples(String text) {
    Map<String, List<Map<String, String>>> samples = new HashMap<>();
    for (String line : text.lines().toList()) {
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      Matcher m = METRIC.matcher(line);
      if (m.lookingAt()) {
        samples.computeIfAbsent(m.group(1), k -> new ArrayList<>())
            .add(labels(m.group(3) == null ? "" : m.group(3)));
      }
    }
    return samples;
  }

  private static Map<String, String> labels(String text) {
    Map<String, String> labels = new HashMap<>();
    Matcher m = MATCHER.matcher(text);
    while (m.find()) {
      labels.put(m.group(1), m.group(3));
    }
    return labels;
  }

  /** What is wrong with one query: unknown metrics, matchers no sample meets, unknown labels. */
  private static List<String> check(String panel, String expr,
      Map<String, List<Map<String, String>>> exported) {
    List<String> problems = new ArrayList<>();
    Set<String> labelsOfQuery = new TreeSet<>();
    Matcher m = METRIC.matcher(expr);
    while (m.find()) {
      String name = m.group(1);
      List<Map<String, String>> samples = exported.get(name);
      if (samples == null) {
        problems.add(panel + ": " + name + " is not exported");
        continue;
      }
      samples.forEach(s -> labelsOfQuery.addAll(s.keySet()));
      Matcher matcher = MATCHER.matcher(m.group(3) == null ? "" : m.group(3));
      while (matcher.find()) {
        String label = matcher.group(1);
        String value = matcher.group(3);
        if (label.equals("instance")) {
          continue; // added by Prometheus at scrape time
        }
        boolean met = samples.stream().anyMatch(s -> matcher.group(2).equals("=")
            ? value.equals(s.get(label)) : s.containsKey(label));
        if (!met) {
          problems.add(panel + ": no " + name + " sample has " + matcher.group());
        }
      }
    }
    Matcher by = GROUPING.matcher(expr);
    while (by.find()) {
      for (String label : by.group(1).split(", *")) {
        if (!labelsOfQuery.contains(label.strip())) {
          problems.add(panel + ": grouped by " + label + ", which its metrics do not have");
        }
      }
    }
    return problems;
  }
}
