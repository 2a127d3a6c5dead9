package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;

/**
 * Decimal numbers read straight from a {@link ByteBuf} with the acceptance rules of memcached
 * 1.6's {@code safe_strtol}, {@code safe_strtoul} and {@code safe_strtoull} ({@code util.c}):
 * optional leading whitespace, an optional sign, at least one digit, then either the end of the
 * word or a whitespace byte (anything after it is ignored, as {@code strtol} stops there).
 *
 * <p>Words never contain a space (the line is split on spaces) but may contain other whitespace
 * bytes, which is why the whitespace rules matter. Stateless and thread-safe.
 */
final class AsciiNumbers {
  /** Returned by {@link #parseInt32} for a word that is not a number it accepts. */
  static final long INVALID = Long.MIN_VALUE;

  private static final long MAX_UNSIGNED_32 = 0xFFFF_FFFFL;
  /** (2^64 - 1) / 10: the largest value that can take one more decimal digit. */
  private static final long MAX_UNSIGNED_64_DIV_10 = 1844674407370955161L;

  private AsciiNumbers() {}

  /**
   * Parses a signed 32-bit decimal as memcached's {@code safe_strtol} (exptime, data length,
   * flush delay). A value above {@link Integer#MAX_VALUE} is rejected as memcached rejects it; a
   * value below {@link Integer#MIN_VALUE} is clamped to it (memcached truncates it to 32 bits,
   * which only ever matters for nonsense input; every negative value means "already expired" or
   * "bad length" alike).
   *
   * @param buf the buffer, must not be {@code null}
   * @param from the absolute index of the word's first byte
   * @param to the absolute index one past the word's last byte
   * @param scratch two longs of scratch space, must not be {@code null}
   * @return the value, or {@link #INVALID}
   */
  static long parseInt32(ByteBuf buf, int from, int to, long[] scratch) {
    if (!scan(buf, from, to, scratch)) {
      return INVALID;
    }
    long magnitude = scratch[0];
    if (scratch[1] == 0) {
      return Long.compareUnsigned(magnitude, Integer.MAX_VALUE) <= 0 ? magnitude : INVALID;
    }
    if (Long.compareUnsigned(magnitude, Long.MIN_VALUE) > 0) {
      return INVALID; // strtol reports ERANGE below Long.MIN_VALUE
    }
    return Math.max(-magnitude, Integer.MIN_VALUE);
  }

  /**
   * Parses unsigned 32-bit client flags as memcached's {@code safe_strtoul}: a minus sign is
   * rejected (unless the value is 0, which {@code strtoul} accepts). Unlike memcached 1.6.18,
   * which silently keeps the low 32 bits of a larger value, a value above 4294967295 is rejected.
   *
   * @param buf the buffer, must not be {@code null}
   * @param from the absolute index of the word's first byte
   * @param to the absolute index one past the word's last byte
   * @param scratch two longs of scratch space, must not be {@code null}
   * @return the value (0 to 4294967295), or -1 when the word is not accepted
   */
  static long parseUnsigned32(ByteBuf buf, int from, int to, long[] scratch) {
    if (!scan(buf, from, to, scratch)) {
      return -1;
    }
    long magnitude = scratch[0];
    if (scratch[1] != 0 && magnitude != 0) {
      return -1;
    }
    return Long.compareUnsigned(magnitude, MAX_UNSIGNED_32) <= 0 ? magnitude : -1;
  }

  /**
   * Parses an unsigned 64-bit decimal as memcached's {@code safe_strtoull} (CAS unique, incr/decr
   * delta): a value of 2^64 or more, or a minus sign on a non-zero value, is rejected.
   *
   * @param buf the buffer, must not be {@code null}
   * @param from the absolute index of the word's first byte
   * @param to the absolute index one past the word's last byte
   * @param scratch two longs of scratch space, must not be {@code null}; on success {@code
   *     scratch[0]} holds the value as the bits of an unsigned 64-bit integer
   * @return whether the word was accepted
   */
  static boolean parseUnsigned64(ByteBuf buf, int from, int to, long[] scratch) {
    if (!scan(buf, from, to, scratch)) {
      return false;
    }
    return scratch[1] == 0 || scratch[0] == 0;
  }

  /**
   * The common core of {@code strtol}/{@code strtoull} as memcached's wrappers use them.
   *
   * @return whether there was at least one digit, no unsigned 64-bit overflow and a proper end;
   *     then {@code scratch[0]} is the magnitude and {@code scratch[1]} is 1 for a minus sign
   */
  private static boolean scan(ByteBuf buf, int from, int to, long[] scratch) {
    int i = from;
    while (i < to && isSpace(buf.getByte(i))) {
      i++;
    }
    long negative = 0;
    if (i < to) {
      byte sign = buf.getByte(i);
      if (sign == '-' || sign == '+') {
        negative = sign == '-' ? 1 : 0;
        i++;
      }
    }
    int digitsFrom = i;
    long v = 0;
    for (; i < to; i++) {
      int d = buf.getByte(i) - '0';
      if (d < 0 || d > 9) {
        break;
      }
      if (Long.compareUnsigned(v, MAX_UNSIGNED_64_DIV_10) > 0
          || (v == MAX_UNSIGNED_64_DIV_10 && d > 5)) {
        return false; // above 18446744073709551615
      }
      v = v * 10 + d;
    }
    if (i == digitsFrom || (i < to && !isSpace(buf.getByte(i)))) {
      return false;
    }
    scratch[0] = v;
    scratch[1] = negative;
    return true;
  }

  /** C {@code isspace} in the "C" locale. */
  static boolean isSpace(byte c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
  }

  /**
   * Tells whether some bytes of a buffer equal an ASCII word.
   *
   * @param buf the buffer, must not be {@code null}
   * @param index the absolute index of the first byte
   * @param length the number of bytes to compare
   * @param word the expected bytes, must not be {@code null}
   * @return {@code true} when {@code length == word.length} and every byte matches
   */
  static boolean equalsAscii(ByteBuf buf, int index, int length, byte[] word) {
    if (length != word.length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (buf.getByte(index + i) != word[i]) {
        return false;
      }
    }
    return true;
  }
}
