package io.sidecache.server;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The {@code --config} file: one {@code option value} per line, as Redis's {@code redis.conf}
 * ({@code resp-port 6380}, {@code memory 2g}, {@code http-token-protect-ops true}), read with
 * {@link Properties#load(Reader)} (a space, {@code =} or {@code :} separates the option from its
 * value; {@code #} and {@code !} start a comment line; UTF-8). Option names are the command's
 * long options without their dashes; an unknown one, or {@code config} itself, is refused.
 * Stateless.
 */
final class ConfigFile {
  private ConfigFile() {}

  /**
   * Reads a file's options.
   *
   * @param file the file
   * @param options the command's option names, e.g. {@code --resp-port}
   * @return the values by option name ({@code --resp-port}), in file order
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException if it names an option the command does not have
   */
  static Map<String, String> read(Path file, Set<String> options) throws IOException {
    Properties p = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (String name : p.stringPropertyNames()) {
      String option = "--" + name;
      if (!options.contains(option) || option.equals("--config")
          || option.equals("--help") || option.equals("--version")) {
        throw new IllegalArgumentException("unknown option '" + name + "'");
      }
      out.put(option, p.getProperty(name).strip());
    }
    return out;
  }
}
