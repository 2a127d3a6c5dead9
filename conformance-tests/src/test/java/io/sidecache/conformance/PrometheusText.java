package io.sidecache.conformance;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Parses Prometheus text exposition with the reference Python client's parser ({@code
 * prometheus_client.parser}, Debian package {@code python3-prometheus-client}, which {@code
 * .ci/run} installs), so a test proves that what {@code /metrics} serves is what Prometheus
 * reads. The test resource {@code prometheus_parse.py} prints one line per family ({@code family
 * <name> <type>}) and per sample ({@code sample <name> <label>=<value> ...}, labels sorted).
 */
final class PrometheusText {
  /** Debian's interpreter, where the Debian package installs the module. */
  private static final String PYTHON = "/usr/bin/python3";

  private PrometheusText() {}

  /**
   * Parses exposition text.
   *
   * @param exposition the text
   * @return the parser's lines
   * @throws IOException if the parser is missing or rejects the text (its error is the message)
   */
  static List<String> parse(String exposition) throws IOException, InterruptedException {
    Path script = Files.createTempFile("prometheus_parse", ".py");
    try (InputStream in = PrometheusText.class.getResourceAsStream("/prometheus_parse.py")) {
      Files.write(script, in.readAllBytes());
    }
    try {
      Process p = new ProcessBuilder(PYTHON, script.toString()).redirectErrorStream(true).start();
      try (OutputStream out = p.getOutputStream()) {
        out.write(exposition.getBytes(StandardCharsets.UTF_8));
      }
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException("the Prometheus parser rejected the exposition: " + output);
      }
      return output.lines().toList();
    } finally {
      Files.deleteIfExists(script);
    }
  }
}
