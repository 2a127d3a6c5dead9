package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import io.sidecache.protocol.testing.ChildProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release archive, {@code proxy-core/target/sidecache-<version>.tar.gz}, as a user installs
 * it (issue 14, "Distribution"): unpacked into a temporary directory and started by its own
 * {@code bin/sidecache} with its sample configuration, in an environment whose {@code PATH} holds
 * only {@code java} and {@code bash}. Also what the archive bundles (every jar the launcher's
 * class path names, a license entry for each) and its systemd unit, through {@code
 * systemd-analyze} where installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistributionIT {
  @TempDir Path dir;

  private Path home;
  private String version;

  @BeforeEach
  void unpack() throws Exception {
    Path target = Path.of("../proxy-core/target");
    List<Path> archives;
    try (Stream<Path> files = Files.list(target)) {
      archives = files.filter(f -> f.getFileName().toString().matches("sidecache-.+\\.tar\\.gz"))
          .collect(Collectors.toList());
    }
    assertEquals(1, archives.size(), "one release archive in " + target + ": " + archives);
    String name = archives.get(0).getFileName().toString();
    version = name.substring("sidecache-".length(), name.length() - ".tar.gz".length());
    ChildProcess.output(Duration.ofSeconds(60), "tar", "xzf",
        archives.get(0).toAbsolutePath().toString(), "-C", dir.toString());
    home = dir.resolve("sidecache-" + version);
  }

  /** An environment whose PATH is one directory holding only {@code java} and {@code bash}. */
  private Map<String, String> onlyJavaAndBash() throws IOException {
    Path path = Files.createDirectories(dir.resolve("path"));
    Files.createSymbolicLink(path.resolve("java"),
        Path.of(System.getProperty("java.home"), "bin", "java"));
    Files.createSymbolicLink(path.resolve("bash"), Path.of("/bin/bash").toRealPath());
    return Map.of("PATH", path.toString(), "HOME", dir.toString());
  }

  private static String run(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().putAll(env);
    ChildProcess.Result r = ChildProcess.run(builder, Duration.ofSeconds(30));
    assertEquals(0, r.exitStatus(), r.output());
    return r.output();
  }

  @Test
  void startsFromTheArchiveWithOnlyJavaOnThePathAndRestartsWarm() throws Exception {
    Map<String, String> env = onlyJavaAndBash();
    String launcher = home.resolve("bin/sidecache").toString();
    assertEquals("sidecache " + version, run(env, launcher, "--version").strip());

    List<String> command = List.of(launcher, "--config",
        home.resolve("conf/sidecache.conf").toString());
    String[] options = {"--data-dir", dir.resolve("data").toString(), "--memory", "32m"};
    HttpClient http = HttpClient.newHttpClient();
    try (SidecacheProcess node = SidecacheProcess.launch(command, env, dir.resolve("a.log"),
        options)) {
      try (RawResp resp = new RawResp(node.respAddress())) {
        assertEquals("+OK\r\n", resp.call("SET", "installed", "from the archive"));
      }
      try (RawMemcached mc = new RawMemcached(node.memcachedAddress())) {
        mc.exchange("get installed\r\n", "VALUE installed 0 16\r\nfrom the archive\r\nEND\r\n");
      }
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + node.httpAddress().getPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      assertTrue(node.log().contains("sidecache ready"), node.log());
      assertEquals(0, node.stop(), node.log());
    }
    try (SidecacheProcess node = SidecacheProcess.launch(command, env, dir.resolve("b.log"),
        options); RawResp resp = new RawResp(node.respAddress())) {
      assertEquals("$16\r\nfrom the archive\r\n", resp.call("GET", "installed"));
      assertEquals(0, node.stop(), node.log());
    }
  }

  @Test
  void bundlesEveryJarItsClassPathNamesWithALicenseEntryForEach() throws Exception {
    Path lib = home.resolve("lib");
    Path main = lib.resolve("proxy-core-" + version + ".jar");
    Set<String> classPath;
    try (JarFile jar = new JarFile(main.toFile())) {
      classPath = new TreeSet<>(List.of(jar.getManifest().getMainAttributes()
          .getValue("Class-Path").split(" ")));
    }
    Set<String> bundled;
    try (Stream<Path> jars = Files.list(lib)) {
      bundled = jars.map(j -> j.getFileName().toString()).collect(Collectors.toCollection(
          TreeSet::new));
    }
    bundled.remove(main.getFileName().toString());
    assertEquals(bundled, classPath, "lib/ holds exactly what the launcher's jar names");

    // THIRD-PARTY.txt names each artifact "(group:artifact:version - url)"; its jar in lib/ is
    // artifact-version[-classifier].jar.
    String thirdParty = Files.readString(home.resolve("THIRD-PARTY.txt"));
    List<String> listed = java.util.regex.Pattern.compile("\\(([^:() ]+):([^:() ]+):([^:() ]+) - ")
        .matcher(thirdParty).results().map(m -> m.group(2) + "-" + m.group(3))
        .collect(Collectors.toList());
    List<String> unlisted = new ArrayList<>();
    for (String jar : bundled) {
      boolean ours = jar.endsWith("-" + version + ".jar");
      if (!ours && listed.stream().noneMatch(a -> jar.equals(a + ".jar")
          || jar.startsWith(a + "-"))) {
        unlisted.add(jar);
      }
    }
    assertEquals(List.of(), unlisted, "bundled jars missing from THIRD-PARTY.txt");
    String notice = Files.readString(home.resolve("NOTICE"));
    // Every license named there has its text in the archive: a new dependency under another
    // license fails here until its text is added to proxy-core/src/dist/licenses and NOTICE.
    Map<String, String> texts = Map.of(
        "Apache", "licenses/Apache-2.0.txt",
        "LGPL-2.1", "licenses/LGPL-2.1.txt",
        "CC0", "licenses/CC0-1.0.txt",
        "Eclipse Public License - v 1.0", "licenses/eclipse-collections/LICENSE-EPL-1.0.txt",
        "Eclipse Distribution License - v 1.0", "licenses/eclipse-collections/LICENSE-EDL-1.0.txt",
        "BSD-2-Clause", "licenses/HdrHistogram/META-INF/LICENSE.txt",
        "MIT", "licenses/slf4j-api/META-INF/LICENSE.txt");
    // BoringSSL, inside the Apache-licensed netty-tcnative jar, comes with its own licenses.
    assertTrue(notice.contains("licenses/netty-tcnative-boringssl-static/META-INF/license/"
        + "LICENSE.boringssl.txt"));
    assertTrue(Files.isRegularFile(home.resolve(
        "licenses/netty-tcnative-boringssl-static/META-INF/license/LICENSE.boringssl.txt")));
    for (String entry : thirdParty.lines().filter(l -> l.startsWith("     (")).toList()) {
      List<String> found = texts.keySet().stream().filter(entry::contains).toList();
      assertTrue(!found.isEmpty(), "no license text for " + entry);
      for (String license : found) {
        assertTrue(Files.isRegularFile(home.resolve(texts.get(license))), texts.get(license));
        assertTrue(notice.contains(texts.get(license).replaceFirst(".*/(?=LICENSE-E)", "")),
            "NOTICE names " + texts.get(license));
      }
    }
  }

  @Test
  void theSystemdUnitVerifiesWithAnExposureOfAtMostTwo() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
        "systemd-analyze not installed");
    Path unit = dir.resolve("sidecache.service");
    Files.writeString(unit, Files.readString(home.resolve("systemd/sidecache.service"))
        .replace("/opt/sidecache", home.toString()));
    Map<String, String> env = Map.of("PATH", "/usr/bin:/bin");
    String verify = run(env, "systemd-analyze", "verify", "--man=no", unit.toString());
    assertEquals("", verify.strip(), "systemd-analyze verify warns");
    // --threshold is ten times the exposure level it prints (0.0 safest, 10.0 most exposed).
    String security = run(env, "systemd-analyze", "security", "--offline=yes", "--threshold=20",
        unit.toString());
    assertTrue(security.contains("Overall exposure level"), security);
  }
}
