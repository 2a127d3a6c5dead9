package io.sidecache.server;

import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses durations as {@code 30s}, {@code 500ms}, {@code 2m} or {@code 1h}; a plain number is
 * seconds, as Redis's timeouts are. Stateless and thread-safe.
 */
public final class DurationValue implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /**
   * Parses a duration.
   *
   * @param value the text, e.g. {@code 30s}
   * @return the duration, positive
   * @throws TypeConversionException when the text is not a positive duration or overflows
   */
  public static Duration parse(String value) {
    String s = value.trim().toLowerCase(Locale.ROOT);
    String[][] units = {{"ms", "1"}, {"s", "1000"}, {"m", "60000"}, {"h", "3600000"}};
    long millisPerUnit = 1000;
    for (String[] u : units) {
      if (s.endsWith(u[0]) && !(u[0].equals("s") && s.endsWith("ms"))) {
        s = s.substring(0, s.length() - u[0].length());
        millisPerUnit = Long.parseLong(u[1]);
        break;
      }
    }
    try {
      long n = Long.parseLong(s);
      if (n <= 0) {
        throw new TypeConversionException("'" + value + "' is not a positive duration");
      }
      return Duration.ofMillis(Math.multiplyExact(n, millisPerUnit));
    } catch (NumberFormatException | ArithmeticException e) {
      throw new TypeConversionException("'" + value
          + "' is not a duration (expected e.g. 30s, 500ms, 2m, 1h)");
    }
  }
}
