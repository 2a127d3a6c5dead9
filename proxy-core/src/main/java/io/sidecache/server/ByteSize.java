package io.sidecache.server;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses sizes in bytes as {@code 1048576}, {@code 512k}, {@code 256m} or {@code 2g} (binary
 * units, case-insensitive, optional trailing {@code b}). Stateless and thread-safe.
 */
public final class ByteSize implements ITypeConverter<Long> {

  @Override
  public Long convert(String value) {
    return parse(value);
  }

  /** Like {@link ByteSize}, and also accepts {@code 0} (for "no limit" options). */
  public static final class OrZero implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return value.trim().equals("0") ? 0L : parse(value);
    }
  }

  /**
   * Parses a size.
   *
   * @param value the text, e.g. {@code 256m}
   * @return the size in bytes, at least 1
   * @throws TypeConversionException when the text is not a positive size or overflows
   */
  public static long parse(String value) {
    String s = value.trim().toLowerCase(Locale.ROOT);
    if (s.endsWith("b")) {
      s = s.substring(0, s.length() - 1);
    }
    int shift = 0;
    if (!s.isEmpty()) {
      switch (s.charAt(s.length() - 1)) {
        case 'k' -> shift = 10;
        case 'm' -> shift = 20;
        case 'g' -> shift = 30;
        case 't' -> shift = 40;
        default -> shift = 0;
      }
    }
    if (shift != 0) {
      s = s.substring(0, s.length() - 1);
    }
    long n;
    try {
      n = Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new TypeConversionException(
          "'" + value + "' is not a size (expected: bytes, or a number with k, m, g or t)");
    }
    if (n < 1 || n > (Long.MAX_VALUE >> shift)) {
      throw new TypeConversionException("'" + value + "' is out of range (expected: >= 1 byte)");
    }
    return n << shift;
  }
}
