package io.sidecache.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;

/**
 * One byte range of a {@code Range} request header (RFC 9110 §14.1.2): inclusive offsets where a
 * negative offset counts from the end of the value.
 *
 * <p>{@code bytes=a-b} is (a, b), {@code bytes=a-} is (a, -1) and {@code bytes=-n} is (-n, -1).
 * Offsets too large for a {@code long} saturate at {@link Long#MAX_VALUE}, which {@link #resolve}
 * clamps to the value like any other offset past the end.
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
   * Resolves this range against a value of {@code length} bytes (RFC 9110 §14.1.1, §14.1.2): an
   * int-range is satisfiable when its first position is below the length, its last position is
   * clamped to the last byte; a suffix range is satisfiable when non-zero and covers at most the
   * whole value.
   *
   * @param length the value's length in bytes, at least 0
   * @return {@code {first, last}}, inclusive; {@code {0, -1}} (no bytes) for a non-zero suffix on
   *     an empty value, which is satisfiable but cannot be expressed in {@code Content-Range};
   *     {@code null} when unsatisfiable
   */
  long[] resolve(long length) {
    if (suffix) {
      if (start == 0) {
        return null;
      }
      return new long[] {Math.max(0, length + start), length - 1};
    }
    if (start >= length) {
      return null;
    }
    return new long[] {start, end < 0 || end >= length ? length - 1 : end};
  }

  /**
   * Reads the ranges a {@code GET} asks for, in request order, or {@code null} when the request
   * is to be answered with the whole value: when there is no {@code Range} header, when there is
   * more than one, or when it does not parse as {@code bytes=} with at least one valid range spec
   * (ignoring a {@code Range} is always allowed, RFC 9110 §14.2). {@code If-Range} is the
   * caller's, as it needs the entry.
   *
   * @param headers the request headers, must not be {@code null}
   * @return the ranges, at least one, or {@code null} to serve the whole value
   */
  static List<ByteRange> fromHeaders(HttpHeaders headers) {
    List<String> values = headers.getAll(HttpHeaderNames.RANGE);
    return values.size() != 1 ? null : parse(values.get(0));
  }

  /**
   * Parses a {@code Range} field value (RFC 9110 §14.1.2: {@code ranges-specifier = range-unit
   * "=" range-set}, the unit case-insensitive, optional whitespace and empty elements allowed
   * around the list's commas).
   *
   * @param value the field value, must not be {@code null}
   * @return the ranges in order, at least one, or {@code null} when the value is not a
   *     syntactically valid byte range set
   */
  static List<ByteRange> parse(String value) {
    int eq = value.indexOf('=');
    if (eq != BYTES_UNIT.length() || !value.regionMatches(true, 0, BYTES_UNIT, 0, eq)) {
      return null;
    }
    List<ByteRange> found = new ArrayList<>(1);
    int from = eq + 1;
    while (from <= value.length()) {
      int comma = value.indexOf(',', from);
      int to = comma < 0 ? value.length() : comma;
      String spec = value.substring(from, to).strip();
      if (!spec.isEmpty()) {
        ByteRange range = parseSpec(spec);
        if (range == null) {
          return null;
        }
        found.add(range);
      }
      from = to + 1;
    }
    return found.isEmpty() ? null : found;
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
