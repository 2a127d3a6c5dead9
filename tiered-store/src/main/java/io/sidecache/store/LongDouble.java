package io.sidecache.store;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * An exact emulation of the x87 80-bit {@code long double} that Redis 7 uses for {@code
 * INCRBYFLOAT} on x86-64 Linux: a 64-bit significand with its explicit integer bit, exponents of
 * the extended format (normal down to 2^-16382, subnormal down to 2^-16445, finite below
 * 2^16384), round-to-nearest-even on every operation.
 *
 * <p>A finite value is {@code (-1)^negative * significand * 2^exponent} with {@code 0 <=
 * significand < 2^64}; zero is unsigned (every zero Redis prints becomes {@code "0"}). Parsing
 * follows glibc {@code strtold} (decimal and hexadecimal, {@code inf}/{@code infinity}, {@code
 * nan}) under Redis's {@code string2ld} acceptance rules; printing follows glibc {@code
 * printf("%.17Lf")}, which prints the exact binary value rounded half-even to 17 decimals.
 *
 * <p>Immutable and thread-safe.
 */
final class LongDouble {
  /** The significand width of the x87 extended format, in bits. */
  static final int SIGNIFICAND_BITS = 64;

  /** The exponent of the least significant significand bit of the smallest subnormal. */
  static final int MIN_EXPONENT = -16445;

  /** Values at or above 2^MAX_BINARY_EXPONENT are infinite. */
  static final int MAX_BINARY_EXPONENT = 16384;

  /** Redis {@code MAX_LONG_DOUBLE_CHARS}: {@code string2ld} rejects inputs of this length or more. */
  static final int MAX_CHARS = 5 * 1024;

  /** Decimal places printed by {@code "%.17Lf"}. */
  private static final int DECIMALS = 17;

  private static final BigInteger TEN_POW_DECIMALS = BigInteger.TEN.pow(DECIMALS);

  /** Exponent digits beyond this saturate: the value is surely infinite or zero by then. */
  private static final int EXPONENT_CAP = 1_000_000;

  static final LongDouble ZERO = new LongDouble(false, BigInteger.ZERO, 0, false);

  private final boolean negative;
  private final BigInteger significand;
  private final int exponent;
  private final boolean infinite;

  private LongDouble(boolean negative, BigInteger significand, int exponent, boolean infinite) {
    this.negative = negative;
    this.significand = significand;
    this.exponent = exponent;
    this.infinite = infinite;
  }

  private static LongDouble infinity(boolean negative) {
    return new LongDouble(negative, BigInteger.ZERO, 0, true);
  }

  /** Returns whether this is an infinity. */
  boolean isInfinite() {
    return infinite;
  }

  /**
   * Parses bytes as Redis 7.0 {@code string2ld}: glibc {@code strtold} must consume every byte,
   * the first byte must not be a space, and NaN, overflow and underflow to zero are rejected.
   * {@code inf} and {@code infinity} (any case, signed) are accepted.
   *
   * @param b the bytes, must not be {@code null}
   * @return the value, rounded to the nearest long double
   * @throws NotAFloatException if the bytes are not such a float
   */
  static LongDouble parse(byte[] b) {
    int n = b.length;
    if (n == 0 || n >= MAX_CHARS) {
      throw new NotAFloatException();
    }
    int i = 0;
    boolean negative = false;
    if (b[0] == '+' || b[0] == '-') {
      negative = b[0] == '-';
      i = 1;
    }
    if (matchesIgnoreCase(b, i, "inf") || matchesIgnoreCase(b, i, "infinity")) {
      return infinity(negative);
    }
    boolean hex = n - i > 2 && b[i] == '0' && (b[i + 1] == 'x' || b[i + 1] == 'X');
    LongDouble v = parseFinite(b, hex ? i + 2 : i, negative, hex);
    if (v == null) {
      throw new NotAFloatException();
    }
    return v;
  }

  private static boolean matchesIgnoreCase(byte[] b, int from, String word) {
    if (b.length - from != word.length()) {
      return false;
    }
    for (int j = 0; j < word.length(); j++) {
      int c = b[from + j] | 0x20;
      if (c != word.charAt(j)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses {@code digits [. digits] [exponent]} from {@code i} to the end of {@code b}: decimal
   * digits with an {@code e} power of ten, or (after {@code 0x}) hex digits with a {@code p} power
   * of two, as glibc {@code strtold}. Returns {@code null} when malformed.
   *
   * @throws NotAFloatException when the value overflows or underflows to zero (ERANGE)
   */
  private static LongDouble parseFinite(byte[] b, int i, boolean negative, boolean hex) {
    int n = b.length;
    int radix = hex ? 16 : 10;
    StringBuilder digits = new StringBuilder(n);
    int fractionDigits = 0;
    boolean point = false;
    for (; i < n; i++) {
      byte c = b[i];
      if (Character.digit(c, radix) >= 0) {
        digits.append((char) c);
        fractionDigits += point ? 1 : 0;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        break;
      }
    }
    if (digits.length() == 0) {
      return null;
    }
    long exp = 0;
    if (i < n) {
      if ((b[i] | 0x20) != (hex ? 'p' : 'e')) {
        return null;
      }
      exp = parseExponent(b, i + 1);
      if (exp == Long.MIN_VALUE) {
        return null;
      }
    }
    BigInteger mantissa = new BigInteger(digits.toString(), radix);
    if (mantissa.signum() == 0) {
      return ZERO;
    }
    if (hex) {
      long binaryExponent = exp - 4L * fractionDigits;
      long top = mantissa.bitLength() + binaryExponent - 1;
      // At or above 2^16384 overflows; below 2^-16446 (half the smallest subnormal) is zero.
      if (top >= MAX_BINARY_EXPONENT || top < MIN_EXPONENT - 1) {
        throw new NotAFloatException();
      }
      return checkedLiteral(round(negative, mantissa, BigInteger.ONE, (int) binaryExponent));
    }
    long scale = exp - fractionDigits;
    long top = mantissa.toString().length() + scale - 1;
    // 10^4933 is above the largest long double; 10^-4951 is below half the smallest subnormal.
    if (top > 4932 || top < -4951) {
      throw new NotAFloatException();
    }
    BigInteger num = mantissa;
    BigInteger den = BigInteger.ONE;
    if (scale >= 0) {
      num = num.multiply(BigInteger.TEN.pow((int) scale));
    } else {
      den = BigInteger.TEN.pow((int) -scale);
    }
    return checkedLiteral(round(negative, num, den, 0));
  }

  /** A literal that rounded to infinity or zero is ERANGE, which {@code string2ld} rejects. */
  private static LongDouble checkedLiteral(LongDouble v) {
    if (v.infinite || v.significand.signum() == 0) {
      throw new NotAFloatException();
    }
    return v;
  }

  /**
   * Parses {@code [+-]digits} to the end of {@code b}, saturating at {@link #EXPONENT_CAP}.
   *
   * @return the exponent, or {@link Long#MIN_VALUE} when malformed
   */
  private static long parseExponent(byte[] b, int i) {
    int n = b.length;
    boolean negative = false;
    if (i < n && (b[i] == '+' || b[i] == '-')) {
      negative = b[i] == '-';
      i++;
    }
    if (i >= n) {
      return Long.MIN_VALUE;
    }
    long v = 0;
    for (; i < n; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        return Long.MIN_VALUE;
      }
      v = Math.min(EXPONENT_CAP, v * 10 + d);
    }
    return negative ? -v : v;
  }

  /**
   * Rounds {@code num / den * 2^binaryExponent} to the nearest long double, ties to even.
   *
   * @param num a positive numerator
   * @param den a positive denominator
   */
  private static LongDouble round(boolean negative, BigInteger num, BigInteger den,
      int binaryExponent) {
    // Choose e so that num / den / 2^e has SIGNIFICAND_BITS integer bits (or fewer when subnormal).
    int e = num.bitLength() - den.bitLength() - SIGNIFICAND_BITS + binaryExponent;
    for (;;) {
      int lsb = Math.max(e, MIN_EXPONENT);
      int shift = lsb - binaryExponent;
      BigInteger n = shift < 0 ? num.shiftLeft(-shift) : num;
      BigInteger d = shift > 0 ? den.shiftLeft(shift) : den;
      BigInteger[] qr = n.divideAndRemainder(d);
      BigInteger q = qr[0];
      if (q.bitLength() > SIGNIFICAND_BITS) {
        e = lsb + 1;
        continue;
      }
      if (q.bitLength() < SIGNIFICAND_BITS && lsb > MIN_EXPONENT) {
        e = lsb - 1;
        continue;
      }
      int cmp = qr[1].shiftLeft(1).compareTo(d);
      if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
        q = q.add(BigInteger.ONE);
      }
      if (q.bitLength() > SIGNIFICAND_BITS) {
        q = q.shiftRight(1);
        lsb++;
      }
      if (lsb > MAX_BINARY_EXPONENT - SIGNIFICAND_BITS) {
        return infinity(negative);
      }
      if (q.signum() == 0) {
        return ZERO;
      }
      return new LongDouble(negative, q, lsb, false);
    }
  }

  /**
   * Returns {@code this + other} rounded once, as the x87 {@code fadd} in extended precision.
   *
   * @param other the other operand
   * @return the sum; an infinity when it overflows or when an operand is infinite (inf + -inf,
   *     NaN, is reported as an infinity too: both are "not finite" to the caller)
   */
  LongDouble add(LongDouble other) {
    if (infinite || other.infinite) {
      return infinity(infinite ? negative : other.negative);
    }
    if (significand.signum() == 0) {
      return other;
    }
    if (other.significand.signum() == 0) {
      return this;
    }
    int low = Math.min(exponent, other.exponent);
    BigInteger a = signed().shiftLeft(exponent - low);
    BigInteger b = other.signed().shiftLeft(other.exponent - low);
    BigInteger sum = a.add(b);
    if (sum.signum() == 0) {
      return ZERO;
    }
    return round(sum.signum() < 0, sum.abs(), BigInteger.ONE, low);
  }

  private BigInteger signed() {
    return negative ? significand.negate() : significand;
  }

  /**
   * Returns Redis's human-friendly form: glibc {@code "%.17Lf"} of the exact binary value
   * (rounded half-even), trailing zeros and a trailing point removed, {@code "-0"} written {@code
   * "0"} (Redis 7.0 {@code ld2string} with {@code LD_STR_HUMAN}).
   *
   * @throws IllegalStateException for an infinity, which Redis never stores
   */
  byte[] toHumanBytes() {
    if (infinite) {
      throw new IllegalStateException("infinite: " + (negative ? "-inf" : "inf"));
    }
    String text;
    if (exponent >= 0) {
      text = significand.shiftLeft(exponent).toString();
    } else {
      BigInteger scaled = significand.multiply(TEN_POW_DECIMALS);
      int k = -exponent;
      BigInteger q = scaled.shiftRight(k);
      BigInteger rest = scaled.subtract(q.shiftLeft(k));
      int cmp = rest.shiftLeft(1).compareTo(BigInteger.ONE.shiftLeft(k));
      if (cmp > 0 || (cmp == 0 && q.testBit(0))) {
        q = q.add(BigInteger.ONE);
      }
      BigInteger[] parts = q.divideAndRemainder(TEN_POW_DECIMALS);
      String fraction = parts[1].toString();
      StringBuilder sb = new StringBuilder(parts[0].toString()).append('.');
      sb.append("0".repeat(DECIMALS - fraction.length())).append(fraction);
      int end = sb.length();
      while (sb.charAt(end - 1) == '0') {
        end--;
      }
      if (sb.charAt(end - 1) == '.') {
        end--;
      }
      text = sb.substring(0, end);
    }
    if (negative && !text.equals("0")) {
      text = "-" + text;
    }
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
