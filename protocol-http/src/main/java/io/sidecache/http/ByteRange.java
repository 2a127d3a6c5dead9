package io.sidecache.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * One byte range of a {@code Range} request header (RFC 9110 §14.1.2), expressed as the
 * arguments of {@link io.sidecache.store.CacheStore#getRange}: inclusive offsets where a negative
 * offset counts from the end of the value.
 *
 * <p>{@code bytes=a-b} is (a, b), {@code bytes=a-} is (a, -1) and {@code bytes=-n} is (-n, -1).
 * Offsets too large for a {@code long} saturate at {@link Long#MAX_VALUE}, which the store clamps
 * to the value like any other offset past the end.
 *
 * @param start the first byte offset, inclusive; negative for a suffix range
 * @param end the last byte offset, inclusive; -1 for "to the end"
 * @param suffix whether this is a suffix range {@code bytes=-n}
 */
record ByteRange(long start, long end, boolean suffix) {

  private static final String BYTES_UNIT = "bytes";

  /**
   * Returns whether this is {@code bytes=-0}, which no representation satisfies (RFC 9110
   * §14.1.1: a suffix range needs a non-zero suffix length).
   */
  boolean isZeroSuffix() {
    return suffix && start == 0;
  }

  /**
   * Reads the range a {@code GET} asks for, or {@code null} when the request is to be answered
   * with the whole value.
   *
   * <p>{@code null} when there is no {@code Range} header, when there is more than one, when it
   * does not parse as {@code bytes=} with exactly one range spec, when a range's last position is
   * below its first, or when an {@code If-Range} header is present: this server sends no
   * validators, so no {@code If-Range} can match and the range must be ignored (RFC 9110 §13.1.5).
   * Ignoring a {@code Range} is always allowed (RFC 9110 §14.2), and serving several ranges as
   * {@code multipart/byteranges} is not supported.
   *
   * @param headers the request headers, must not be {@code null}
   * @return the range, or {@code null} to serve the whole value
   */
  static ByteRange fromHeaders(HttpHeaders headers) {
    List<String> values = headers.getAll(HttpHeaderNames.RANGE);
    if (values.size() != 1 || headers.contains(HttpHeaderNames.IF_RANGE)) {
      return null;
    }
    return parse(values.get(0));
  }

  /**
   * Parses a {@code Range} field value holding exactly one byte range (RFC 9110 §14.1.2:
   * {@code ranges-specifier = range-unit "=" range-set}, the unit case-insensitive, optional
   * whitespace and empty elements allowed around the list's commas).
   *
   * @param value the field value, must not be {@code null}
   * @return the range, or {@code null} when the value is not one syntactically valid byte range
   */
  static ByteRange parse(String value) {
    int eq = value.indexOf('=');
    if (eq != BYTES_UNIT.length() || !value.regionMatches(true, 0, BYTES_UNIT, 0, eq)) {
      return null;
    }
    ByteRange found = null;
    int from = eq + 1;
    while (from <= value.length()) {
      int comma = value.indexOf(',', from);
      int to = comma < 0 ? value.length() : comma;
      String spec = value.substring(from, to).strip();
      if (!spec.isEmpty()) {
        if (found != null) {
          return null; // more than one range
        }
        found = parseSpec(spec);
        if (found == null) {
          return null;
        }
      }
      from = to + 1;
    }
    return found;
  }

  /** Parses {@code first-last}, {@code first-} or {@code -suffix}; {@code null} when invalid. */
  private static ByteRange parseSpec(String spec) {
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    if (dash == 0) {
      long n = parseDigits(spec, 1, spec.length());
      return n < 0 ? null : new ByteRange(-n, -1, true);
    }
    long first = parseDigits(spec, 0, dash);
    if (first < 0) {
      return null;
    }
    if (dash == spec.length() - 1) {
      return new ByteRange(first, -1, false);
    }
    long last = parseDigits(spec, dash + 1, spec.length());
    if (last < 0 || last < first) {
      return null; // RFC 9110 §14.1.1: last-pos below first-pos is invalid
    }
    return new ByteRange(first, last, false);
  }

  /**
   * Parses {@code 1*DIGIT} in {@code s[from, to)}, saturating at {@link Long#MAX_VALUE}.
   *
   * @return the number, or -1 when the text is empty or holds anything but ASCII digits
   */
  private static long parseDigits(String s, int from, int to) {
    if (from >= to) {
      return -1;
    }
    long n = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      int digit = c - '0';
      n = n > (Long.MAX_VALUE - digit) / 10 ? Long.MAX_VALUE : n * 10 + digit;
    }
    return n;
  }
}
