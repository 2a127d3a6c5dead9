package io.sidecache.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code --config} file: one {@code option value} per line, as Redis's {@code redis.conf}
 * ({@code resp-port 6380}, {@code memory 2g}, {@code http-token-protect-ops true}): the option,
 * then whitespace or {@code =}, then the value as written (no escapes: a password with {@code \\}
 * stays as it is). Blank lines and lines starting with {@code #} are skipped. Option names are
 * the command's long options without their dashes; an unknown one, or {@code config} itself, is
 * refused. UTF-8. Stateless.
 */
final class ConfigFile {
  private ConfigFile() {}

  /**
   * Reads a file's options.
   *
   * @param file the file
   * @param options the command's option names, e.g. {@code --resp-port}
   * @return the values by option name ({@code --resp-port}), in file order, a later line winning
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if a line names an option the command does not have, or
   *     has no value
   */
  static Map<String, String> read(Path file, Set<String> options) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    int number = 0;
    for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      number++;
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int end = 0;
      while (end < line.length() && !Character.isWhitespace(line.charAt(end))
          && line.charAt(end) != '=') {
        end++;
      }
      String name = line.substring(0, end);
      String value = line.substring(end).strip();
      if (value.startsWith("=")) {
        value = value.substring(1).strip();
      }
      String option = "--" + name;
      if (!options.contains(option) || option.equals("--config")
          || option.equals("--help") || option.equals("--version")) {
        throw new IllegalArgumentException("line " + number + ": unknown option '" + name + "'");
      }
      if (value.isEmpty()) {
        throw new IllegalArgumentException("line " + number + ": no value for '" + name + "'");
      }
      out.put(option, value);
    }
    return out;
  }
}
