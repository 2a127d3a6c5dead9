package io.sidecache.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.sidecache.server.SidecacheCommand;
import io.sidecache.server.SidecacheConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code examples/kubernetes/sidecache-sidecar.yaml} (issue 14, "examples"): parsed as Kubernetes
 * would, its sidecar's arguments (after the image's entry point, from the release archive's
 * Dockerfile) and environment run through Sidecache's real command line, and the fields that make
 * the deployment work checked against what that configuration means: the probes and the
 * Prometheus annotations on its HTTP port, discovery through the headless service by its DNS
 * name, the peers on the pod IP, the data directory on a volume, the grace period.
 */
class KubernetesExampleTest {
  private static final Path MANIFEST = Path.of("kubernetes/sidecache-sidecar.yaml");
  private static final Path DOCKERFILE = Path.of("../proxy-core/src/dist/Dockerfile");
  private static final String POD_IP = "10.244.1.7";

  private static JsonNode service;
  private static JsonNode deployment;
  private static JsonNode policy;
  private static JsonNode pod;
  private static JsonNode sidecar;
  private static SidecacheConfig config;

  @BeforeAll
  static void parse() throws Exception {
    List<JsonNode> docs = new YAMLMapper().readerFor(JsonNode.class)
        .<JsonNode>readValues(Files.readString(MANIFEST)).readAll();
    for (JsonNode d : docs) {
      switch (d.path("kind").asText()) {
        case "Service" -> service = d;
        case "Deployment" -> deployment = d;
        case "NetworkPolicy" -> policy = d;
        default -> throw new AssertionError("unexpected " + d.path("kind"));
      }
    }
    assertNotNull(service);
    assertNotNull(deployment);
    assertNotNull(policy);
    pod = deployment.path("spec").path("template");
    for (JsonNode c : pod.path("spec").path("initContainers")) {
      if (c.path("name").asText().equals("sidecache")) {
        sidecar = c;
      }
    }
    assertNotNull(sidecar);

    // Kubernetes expands $(VAR) in args from the container's env; the secret's value and the
    // pod IP stand in for what the kubelet would fill in.
    Map<String, String> env = new HashMap<>();
    for (JsonNode e : sidecar.path("env")) {
      String name = e.path("name").asText();
      if (e.has("value")) {
        env.put(name, e.path("value").asText());
      } else if (e.at("/valueFrom/fieldRef/fieldPath").asText().equals("status.podIP")) {
        env.put(name, POD_IP);
      } else if (e.at("/valueFrom/secretKeyRef").isObject()) {
        env.put(name, "a-secret-from-" + e.at("/valueFrom/secretKeyRef/name").asText());
      }
    }
    List<String> args = new ArrayList<>(entryPointOptions());
    Pattern reference = Pattern.compile("\\$\\(([A-Z_]+)\\)");
    for (JsonNode a : sidecar.path("args")) {
      Matcher m = reference.matcher(a.asText());
      args.add(m.replaceAll(r -> Matcher.quoteReplacement(env.get(r.group(1)))));
    }
    config = SidecacheCommand.check(env, args.toArray(String[]::new));
  }

  /** The options of the image's entry point, after the launcher. */
  private static List<String> entryPointOptions() throws Exception {
    String line = Files.readAllLines(DOCKERFILE).stream().filter(l -> l.startsWith("ENTRYPOINT"))
        .findFirst().orElseThrow().substring("ENTRYPOINT".length()).strip();
    List<String> entry = new ArrayList<>(List.of(new ObjectMapper().readValue(line,
        String[].class)));
    entry.remove(0);
    return entry;
  }

  private static int containerPort(String name) {
    for (JsonNode p : sidecar.path("ports")) {
      if (p.path("name").asText().equals(name)) {
        return p.path("containerPort").asInt();
      }
    }
    throw new AssertionError("no container port " + name);
  }

  @Test
  void theSidecarJoinsThroughTheHeadlessServiceWithItsPodIpAndTheSecret() {
    assertNotNull(config.cluster(), "--cluster");
    String dns = service.at("/metadata/name").asText() + "."
        + service.at("/metadata/namespace").asText() + ".svc.cluster.local";
    assertEquals(List.of("kubernetes:" + dns), config.cluster().join());
    assertEquals(POD_IP, config.cluster().bindHost(), "peers reach the pod IP");
    assertEquals("a-secret-from-sidecache", config.cluster().secret());
    assertEquals("None", service.at("/spec/clusterIP").asText());
    assertTrue(service.at("/spec/publishNotReadyAddresses").asBoolean());
    assertEquals(pod.at("/metadata/labels"), service.at("/spec/selector"),
        "the service selects these pods");
    assertEquals(deployment.at("/spec/selector/matchLabels"), pod.at("/metadata/labels"));
    List<Integer> servicePorts = new ArrayList<>();
    service.at("/spec/ports").forEach(p -> servicePorts.add(p.path("port").asInt()));
    assertEquals(List.of(config.cluster().clusterPort(), config.cluster().peerPort()),
        servicePorts);
    assertEquals(config.cluster().clusterPort(), containerPort("hazelcast"));
    assertEquals(config.cluster().peerPort(), containerPort("peer"));
  }

  @Test
  void aNativeSidecarProbedOnItsHttpPortAndScrapedThere() {
    assertEquals("Always", sidecar.path("restartPolicy").asText(),
        "a native sidecar: up before the application, down after it");
    assertEquals("0.0.0.0", config.bind(), "the kubelet and Prometheus reach the pod IP");
    assertEquals(config.httpPort(), containerPort("http"));
    assertEquals(config.respPort(), containerPort("resp"));
    assertEquals(config.memcachedPort(), containerPort("memcached"));
    assertEquals("/ready", sidecar.at("/startupProbe/httpGet/path").asText());
    assertEquals("/health", sidecar.at("/livenessProbe/httpGet/path").asText());
    assertEquals("http", sidecar.at("/startupProbe/httpGet/port").asText());
    assertEquals("http", sidecar.at("/livenessProbe/httpGet/port").asText());
    assertTrue(sidecar.path("readinessProbe").isMissingNode(),
        "a degraded cache must not take the application out of its Services");
    JsonNode annotations = pod.at("/metadata/annotations");
    assertEquals("true", annotations.path("prometheus.io/scrape").asText());
    assertEquals(Integer.toString(config.httpPort()), annotations.path("prometheus.io/port")
        .asText());
    assertEquals("/metrics", annotations.path("prometheus.io/path").asText());
  }

  @Test
  void onlyMembersReachThePeerPortsAndNobodyOutsideThePodTheClientPorts() {
    assertEquals(pod.at("/metadata/labels"), policy.at("/spec/podSelector/matchLabels"));
    List<Integer> open = new ArrayList<>();
    for (JsonNode rule : policy.at("/spec/ingress")) {
      List<Integer> ports = new ArrayList<>();
      rule.path("ports").forEach(p -> ports.add(p.path("port").asInt()));
      if (ports.contains(config.cluster().clusterPort()) || ports.contains(
          config.cluster().peerPort())) {
        assertEquals(pod.at("/metadata/labels"), rule.at("/from/0/podSelector/matchLabels"),
            "the cluster and peer ports admit the members only");
        assertEquals(1, rule.path("from").size());
      }
      open.addAll(ports);
    }
    assertTrue(open.contains(config.httpPort()), "Prometheus scrapes the HTTP port");
    assertTrue(!open.contains(config.respPort()) && !open.contains(config.memcachedPort()),
        "RESP and memcached only inside the pod: " + open);
    assertNotNull(config.httpToken(), "/cache on the pod IP needs the token");
  }

  @Test
  void theMemoryLimitHoldsTheHeapTheLauncherGivesAndTheDirectBuffers() {
    // bin/sidecache: -Xmx = 2 x (--memory + --chunk-memory) + 128 MiB.
    long heap = 2 * (config.memoryBytes() + config.chunkMemoryBytes()) + (128L << 20);
    String extra = "";
    for (JsonNode e : sidecar.path("env")) {
      if (e.path("name").asText().equals("JAVA_EXTRA_OPTS")) {
        extra = e.path("value").asText();
      }
    }
    Matcher direct = Pattern.compile("-XX:MaxDirectMemorySize=(\\d+)m").matcher(extra);
    assertTrue(direct.find(), "direct memory is capped: " + extra);
    long limit = mebibytes(sidecar.at("/resources/limits/memory").asText()) << 20;
    assertTrue(limit >= heap + (Long.parseLong(direct.group(1)) << 20) + (256L << 20),
        "limit " + limit + " for a heap of " + heap + ", direct memory and 256 MiB of the rest");
  }

  private static long mebibytes(String quantity) {
    assertTrue(quantity.endsWith("Mi"), quantity);
    return Long.parseLong(quantity.substring(0, quantity.length() - 2));
  }

  @Test
  void theDiskTierIsOnAVolumeAndTheGracePeriodOutlastsTheShutdown() {
    String dataVolume = null;
    for (JsonNode m : sidecar.path("volumeMounts")) {
      if (Path.of(m.path("mountPath").asText()).equals(config.dataDir())) {
        dataVolume = m.path("name").asText();
      }
    }
    assertNotNull(dataVolume, "--data-dir " + config.dataDir() + " is a mounted volume");
    long sizeLimit = 0;
    for (JsonNode v : pod.at("/spec/volumes")) {
      if (v.path("name").asText().equals(dataVolume)) {
        sizeLimit = gibibytes(v.at("/emptyDir/sizeLimit").asText());
      }
    }
    assertTrue(sizeLimit >= config.diskBytes(), "the volume holds --disk-size");
    assertTrue(sidecar.at("/securityContext/readOnlyRootFilesystem").asBoolean());
    assertTrue(pod.at("/spec/terminationGracePeriodSeconds").asInt() > 60,
        "longer than the default --shutdown-timeout of 60 s");
    assertTrue(pod.at("/spec/containers").size() >= 1, "an application beside the sidecar");
  }

  private static long gibibytes(String quantity) {
    assertTrue(quantity.endsWith("Gi"), quantity);
    return Long.parseLong(quantity.substring(0, quantity.length() - 2)) << 30;
  }
}
