package io.sidecache.store;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * Decimal parsing and formatting on raw bytes, with the exact acceptance rules of the servers
 * Sidecache stands in for. Stateless and thread-safe.
 */
public final class Numbers {
  /** The longest decimal form of a signed 64-bit integer ("-9223372036854775808"). */
  private static final int MAX_LONG_DIGITS = 20;

  private Numbers() {}

  /**
   * Parses a signed 64-bit integer as Redis 7 {@code string2ll} does: optional {@code -}, no
   * {@code +}, no spaces, no leading zeros (except the number 0 itself), at most 20 bytes.
   *
   * @param b the bytes, must not be {@code null}
   * @return the value
   * @throws NumberFormatException if the bytes are not such a number or overflow 64 bits
   */
  public static long parseRedisLong(byte[] b) {
    int n = b.length;
    if (n == 0 || n > MAX_LONG_DIGITS) {
      throw new NumberFormatException("not an integer");
    }
    if (n == 1 && b[0] == '0') {
      return 0;
    }
    int i = 0;
    boolean negative = b[0] == '-';
    if (negative) {
      i = 1;
      if (n == 1) {
        throw new NumberFormatException("not an integer");
      }
    }
    if (b[i] < '1' || b[i] > '9') {
      throw new NumberFormatException("not an integer");
    }
    // Accumulate negatively so that Long.MIN_VALUE parses without overflow.
    long v = 0;
    for (; i < n; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        throw new NumberFormatException("not an integer");
      }
      if (v < (Long.MIN_VALUE + d) / 10) {
        throw new NumberFormatException("overflow");
      }
      v = v * 10 - d;
    }
    if (negative) {
      return v;
    }
    if (v == Long.MIN_VALUE) {
      throw new NumberFormatException("overflow");
    }
    return -v;
  }

  /**
   * Parses an unsigned 64-bit integer as memcached 1.6 {@code safe_strtoull} does: optional
   * leading whitespace and {@code +}, at least one digit, then only whitespace; a value that does
   * not fit in 64 bits or carries a minus sign is rejected.
   *
   * @param b the bytes, must not be {@code null}
   * @param from the first byte to read
   * @param to one past the last byte to read
   * @return the value as the bits of an unsigned 64-bit integer
   * @throws NumberFormatException if the bytes are not such a number
   */
  public static long parseUnsignedLong(byte[] b, int from, int to) {
    int i = from;
    while (i < to && isSpace(b[i])) {
      i++;
    }
    if (i < to && b[i] == '+') {
      i++;
    }
    int digitsStart = i;
    long v = 0;
    for (; i < to; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        break;
      }
      if (Long.compareUnsigned(v, Long.divideUnsigned(-1L - d, 10)) > 0) {
        throw new NumberFormatException("overflow");
      }
      v = v * 10 + d;
    }
    if (i == digitsStart) {
      throw new NumberFormatException("no digits");
    }
    for (; i < to; i++) {
      if (!isSpace(b[i])) {
        throw new NumberFormatException("trailing garbage");
      }
    }
    return v;
  }

  private static boolean isSpace(byte c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
  }

  /**
   * Returns the ASCII decimal form of a signed value.
   *
   * @param v the value
   * @return a new array holding the digits
   */
  public static byte[] toBytes(long v) {
    return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Returns the ASCII decimal form of an unsigned 64-bit value.
   *
   * @param v the bits of the unsigned value
   * @return a new array holding the digits
   */
  public static byte[] toUnsignedBytes(long v) {
    return Long.toUnsignedString(v).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Adds a decimal increment to a decimal value as Redis 7 {@code INCRBYFLOAT} does, and returns
   * the result in Redis's human-friendly form ({@code "%.17Lf"} with trailing zeros removed, and
   * {@code -0} written as {@code 0}).
   *
   * <p>Both operands are parsed with Redis's {@code string2ld} acceptance rules: no leading space,
   * no trailing bytes, no NaN. The sum is exact and rounded to 17 decimal places; Redis computes
   * in x87 80-bit {@code long double}, so for values with more than about 19 significant digits
   * the last printed digits can differ.
   *
   * @param value the stored value, or {@code null} for a missing key (0)
   * @param increment the increment text, must not be {@code null}
   * @return the new value's text
   * @throws NotAFloatException if either operand is not a valid float
   * @throws NotFiniteException if the result would be infinite
   */
  public static byte[] addRedisFloat(byte[] value, byte[] increment) {
    BigDecimal inc = parseRedisFloat(increment);
    BigDecimal cur = value == null ? BigDecimal.ZERO : parseRedisFloat(value);
    if (inc == null || cur == null) {
      throw new NotFiniteException();
    }
    String text = cur.add(inc).setScale(17, RoundingMode.HALF_EVEN).toPlainString();
    int end = text.length();
    if (text.indexOf('.') >= 0) {
      while (text.charAt(end - 1) == '0') {
        end--;
      }
      if (text.charAt(end - 1) == '.') {
        end--;
      }
    }
    text = text.substring(0, end);
    if (text.equals("-0")) {
      text = "0";
    }
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Parses a float with Redis's {@code string2ld} rules; returns {@code null} for an infinity.
   *
   * @throws NotAFloatException if the bytes are not a valid float
   */
  private static BigDecimal parseRedisFloat(byte[] b) {
    if (b.length == 0 || isSpace(b[0])) {
      throw new NotAFloatException();
    }
    String s = new String(b, StandardCharsets.US_ASCII);
    String unsigned = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
    if (unsigned.equalsIgnoreCase("inf") || unsigned.equalsIgnoreCase("infinity")) {
      return null;
    }
    for (int i = 0; i < unsigned.length(); i++) {
      char c = unsigned.charAt(i);
      if (!(c >= '0' && c <= '9') && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
        throw new NotAFloatException();
      }
    }
    try {
      return new BigDecimal(s.startsWith("+") ? unsigned : s);
    } catch (NumberFormatException e) {
      throw new NotAFloatException();
    }
  }
}
