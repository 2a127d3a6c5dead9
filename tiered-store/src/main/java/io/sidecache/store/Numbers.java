package io.sidecache.store;

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
    // Digits written straight into the array (INCR's path): no String in between. Negative
    // values are formed negated, so Long.MIN_VALUE needs no special case.
    long n = v < 0 ? v : -v;
    int length = v < 0 ? 2 : 1;
    for (long m = n; m <= -10; m /= 10) {
      length++;
    }
    byte[] digits = new byte[length];
    for (int i = length - 1; i >= (v < 0 ? 1 : 0); i--) {
      digits[i] = (byte) ('0' - n % 10);
      n /= 10;
    }
    if (v < 0) {
      digits[0] = '-';
    }
    return digits;
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
   * Adds an increment to a value as Redis 7.0 {@code INCRBYFLOAT} on x86-64 Linux does, and
   * returns the result in Redis's human-friendly form.
   *
   * <p>Redis computes in the x87 80-bit {@code long double}; this is emulated exactly: each
   * operand is parsed with glibc {@code strtold}'s grammar (decimal, hexadecimal {@code 0x...p...},
   * {@code inf}/{@code infinity}) under Redis's {@code string2ld} rules (no leading space, every
   * byte consumed, fewer than 5120 bytes, no NaN, no overflow, no underflow to zero) and rounded to
   * the nearest value with a 64-bit significand; the sum is rounded the same way; the result is
   * printed as {@code "%.17Lf"} (the exact binary value rounded half-even to 17 decimals) with
   * trailing zeros removed and {@code -0} written as {@code 0}. For example {@code 123456.7 + 0}
   * is {@code "123456.70000000000000284"}.
   *
   * @param value the stored value, or {@code null} for a missing key (0)
   * @param increment the increment text, must not be {@code null}
   * @return the new value's text
   * @throws NotAFloatException if either operand is not a valid float
   * @throws NotFiniteException if the result would be NaN or infinite
   */
  public static byte[] addRedisFloat(byte[] value, byte[] increment) {
    LongDouble current = value == null ? LongDouble.ZERO : LongDouble.parse(value);
    LongDouble sum = current.add(LongDouble.parse(increment));
    if (sum.isInfinite()) {
      throw new NotFiniteException();
    }
    return sum.toHumanBytes();
  }
}
