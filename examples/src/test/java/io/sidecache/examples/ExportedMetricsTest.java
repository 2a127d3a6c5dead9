package io.sidecache.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sidecache.protocol.testing.GeneratedDoc;
import io.sidecache.protocol.testing.Ports;
import io.sidecache.server.Sidecache;
import java.io.OutputStream;
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
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * What a node exports on {@code /metrics} (a node with a disk tier and {@code --cluster}, after
 * commands over every protocol), against the two files built on it (issue 14):
 * {@code examples/grafana/sidecache-dashboard.json}, whose every query must name exported metrics
 * and labels, so no panel is empty because of a renamed meter or label; and
 * docs/metrics-reference.md, generated from the exposition, which must be current. To regenerate
 * it: {@code ./mvnw -pl examples -am verify -Dtest=ExportedMetricsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dsidecache.write-docs=true}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExportedMetricsTest {
  private static final Path DASHBOARD = Path.of("grafana/sidecache-dashboard.json");
  private static final Path REFERENCE = Path.of("../docs/metrics-reference.md");
  private static final Pattern METRIC = Pattern.compile(
      "\\b((?:sidecache|jvm|process|system)_[a-z0-9_]+)(\\{([^}]*)\\})?");
  private static final Pattern MATCHER = Pattern.compile("([a-z_]+)(=~|!=|!~|=)\"([^\"]*)\"");
  private static final Pattern GROUPING = Pattern.compile("\\bby \\(([a-z_, ]+)\\)");

  @TempDir static Path dir;

  /** The exposition of the node's {@code /metrics}. */
  private static String exposition;
  /** Its samples: their label sets by metric name. */
  private static Map<String, List<Map<String, String>>> exported;

  @BeforeAll
  static void scrape() throws Exception {
    int clusterPort = Ports.free();
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
        exposition = metrics.body();
        exported = samples(exposition);
        Thread.sleep(exported.containsKey("jvm_gc_pause_seconds_sum") ? 0 : 100);
      } while (!exported.containsKey("jvm_gc_pause_seconds_sum") && System.nanoTime() < deadline);
    }
  }

  @Test
  void everyDashboardQueryNamesExportedMetricsAndLabels() throws Exception {
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

  @Test
  void theMetricsReferenceIsWhatANodeExports() throws Exception {
    GeneratedDoc.check(REFERENCE, reference(), "./mvnw -pl examples -am verify"
        + " -Dtest=ExportedMetricsTest -Dsurefire.failIfNoSpecifiedTests=false"
        + " -Dsidecache.write-docs=true");
  }

  /**
   * The reference page: each {@code sidecache_*} family of the exposition with its type, labels
   * (with their values where there are few) and help text, which every family must have.
   *
   * @throws AssertionError if a family has no help text
   */
  private static String reference() {
    Map<String, String> types = new TreeMap<>();
    Map<String, String> help = new HashMap<>();
    for (String line : exposition.lines().toList()) {
      String[] p = line.split(" ", 4);
      if (p.length >= 4 && p[0].equals("#") && p[2].startsWith("sidecache_")) {
        (p[1].equals("TYPE") ? types : help).put(p[2], p[3].strip());
      }
    }
    StringBuilder md = new StringBuilder("# Metrics reference\n\n<!-- Generated from a node's"
        + " /metrics by ExportedMetricsTest (examples); do not edit by hand. -->\n\n"
        + "What `GET /metrics` exports (Prometheus text format; `/stats` is the same as JSON), as"
        + " a node with a\ndisk tier and `--cluster` exports it after commands over every"
        + " protocol. The JVM's own meters\n(`jvm_*`, `process_*`, `system_*`) are left out."
        + " Which to alert on: [operations.md](operations.md),\n\"Metrics\"; a dashboard of"
        + " them: [examples/grafana](../examples/grafana/sidecache-dashboard.json).\n\n"
        + "| metric | type | labels | meaning |\n|---|---|---|---|\n");
    List<String> undescribed = new ArrayList<>();
    for (Map.Entry<String, String> family : types.entrySet()) {
      String name = family.getKey();
      Map<String, Set<String>> labels = new TreeMap<>();
      for (Map.Entry<String, List<Map<String, String>>> sample : exported.entrySet()) {
        if (sample.getKey().equals(name) || sample.getKey().matches(Pattern.quote(name)
            + "_(bucket|count|sum|max|total)")) {
          for (Map<String, String> set : sample.getValue()) {
            set.forEach((k, v) -> {
              if (!k.equals("le") && !k.equals("quantile")) {
                labels.computeIfAbsent(k, x -> new TreeSet<>()).add(v);
              }
            });
          }
        }
      }
      List<String> described = new ArrayList<>();
      // The values of a label with few (a command's name is one of many, and which appear
      // depends on the traffic).
      labels.forEach((k, values) -> described.add("`" + k + "`" + (values.size() <= 5
          && !k.equals("command") ? " (" + String.join(", ", values) + ")" : "")));
      String text = help.getOrDefault(name, "");
      if (text.isEmpty()) {
        undescribed.add(name);
      }
      md.append("| `").append(name).append("` | ").append(family.getValue()).append(" | ")
          .append(String.join(", ", described)).append(" | ").append(text.replace("|", "\\|"))
          .append(" |\n");
    }
    assertEquals(List.of(), undescribed, "meters without a description");
    return md.toString();
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
