package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sidecache.server.Sidecache;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs every {@code $ ...} command of the {@code console} blocks in docs/protocol-http.md, in
 * order, in one bash session against a fresh Sidecache (with curl, which {@code .ci/run}
 * installs), and checks the lines the doc shows under each: the first {@code HTTP/} line is the
 * first status line curl printed, and every other shown line is among curl's output lines
 * (exactly, or by its prefix when it ends in {@code …}). So the documented examples cannot rot.
 */
class HttpDocsExamplesIT {
  private static final Path DOC = Path.of("..", "docs", "protocol-http.md");
  private static final String DOC_ADDRESS = "127.0.0.1:8080";
  private static final String MARK = "@@@sidecache-example ";

  /** One documented command and the lines shown under it. */
  private record Example(String command, List<String> expected) {}

  private static List<Example> examples() throws Exception {
    List<Example> out = new ArrayList<>();
    boolean inBlock = false;
    Example current = null;
    for (String line : Files.readAllLines(DOC, StandardCharsets.UTF_8)) {
      if (line.startsWith("```")) {
        inBlock = !inBlock && line.equals("```console");
        current = null;
      } else if (inBlock && line.startsWith("$ ")) {
        current = new Example(line.substring(2), new ArrayList<>());
        out.add(current);
      } else if (inBlock && current != null && !line.isBlank()) {
        current.expected().add(line);
      }
    }
    return out;
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void everyDocumentedExample_answersAsShown() throws Exception {
    List<Example> examples = examples();
    assertTrue(examples.size() >= 20, "examples found: " + examples.size());
    try (Sidecache server = SidecacheServer.start()) {
      String address = "127.0.0.1:" + server.httpAddress().getPort();
      StringBuilder script = new StringBuilder("set -u\n");
      for (int i = 0; i < examples.size(); i++) {
        script.append("echo '").append(MARK).append(i).append("'\n")
            .append(examples.get(i).command().replace(DOC_ADDRESS, address)).append("\necho\n");
      }
      Process bash = new ProcessBuilder("bash", "-c", script.toString())
          .redirectErrorStream(true).start();
      byte[] raw = bash.getInputStream().readAllBytes();
      assertTrue(bash.waitFor(60, TimeUnit.SECONDS), "the examples did not finish");
      String output = new String(raw, StandardCharsets.ISO_8859_1);
      String[] sections = output.split(MARK);
      assertEquals(examples.size() + 1, sections.length, output);
      for (int i = 0; i < examples.size(); i++) {
        check(examples.get(i), sections[i + 1]);
      }
    }
  }

  private static void check(Example example, String section) {
    List<String> lines = section.lines().map(l -> l.replace("\r", "")).toList();
    String context = "$ " + example.command() + "\n--- printed:\n"
        + String.join("\n", lines.subList(0, Math.min(30, lines.size())));
    for (String expected : example.expected()) {
      if (expected.startsWith("HTTP/") && expected == example.expected().get(0)) {
        String status = lines.stream().filter(l -> l.startsWith("HTTP/")).findFirst()
            .orElse("(no status line)");
        assertEquals(expected, status, context);
      } else if (expected.endsWith("…")) {
        String prefix = expected.substring(0, expected.length() - 1);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith(prefix)),
            "no line starting with '" + prefix + "'\n" + context);
      } else {
        assertTrue(lines.contains(expected), "no line '" + expected + "'\n" + context);
      }
    }
  }
}
