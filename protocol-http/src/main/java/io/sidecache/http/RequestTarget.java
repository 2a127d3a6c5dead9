package io.sidecache.http;

import java.util.Arrays;

/**
 * The path of a request target (RFC 9112 §3.2), located in the target as sent, and decoded to
 * raw bytes on demand.
 *
 * <p>Accepts the origin form ({@code /cache/k?x}) and the absolute form ({@code
 * http://host/cache/k}, which a server must accept, RFC 9112 §3.2.2). The query and a fragment
 * are not part of the path. Nothing is normalised: dot segments and repeated slashes are kept as
 * sent. Immutable.
 */
final class RequestTarget {
  /** The operations endpoints, each at {@code /<name>}. */
  static final String HEALTH = "health";
  static final String READY = "ready";
  static final String METRICS = "metrics";
  static final String STATS = "stats";
  static final String CLUSTER = "cluster";

  private final String target;
  private final int pathStart;
  private final int pathEnd;

  private RequestTarget(String target, int pathStart, int pathEnd) {
    this.target = target;
    this.pathStart = pathStart;
    this.pathEnd = pathEnd;
  }

  /**
   * Locates the path in a request target.
   *
   * @param target the request target as sent, must not be {@code null}
   * @return the target; its path is empty when the target has none (e.g. {@code *})
   */
  static RequestTarget of(String target) {
    int start = 0;
    int scheme = target.indexOf("://");
    if (scheme > 0 && target.charAt(0) != '/') {
      start = scheme + 3;
      while (start < target.length() && "/?#".indexOf(target.charAt(start)) < 0) {
        start++; // skip the authority
      }
    }
    int end = start;
    while (end < target.length() && target.charAt(end) != '?' && target.charAt(end) != '#') {
      end++;
    }
    return new RequestTarget(target, start, end);
  }

  /**
   * Names the operations endpoint the path is.
   *
   * @return {@link #HEALTH}, {@link #READY}, {@link #METRICS}, {@link #STATS} or {@link
   *     #CLUSTER} when the path is
   *     {@code /} and that name exactly, else {@code null}
   */
  String operationsEndpoint() {
    for (String name : new String[] {HEALTH, READY, METRICS, STATS, CLUSTER}) {
      if (pathEnd - pathStart == name.length() + 1 && target.charAt(pathStart) == '/'
          && target.startsWith(name, pathStart + 1)) {
        return name;
      }
    }
    return null;
  }

  /**
   * Tells whether the path, as sent, starts with {@code prefix}.
   *
   * @param prefix the prefix, must not be {@code null}
   * @return {@code true} when the path starts with the prefix, case-sensitively
   */
  boolean pathStartsWith(String prefix) {
    return pathEnd - pathStart >= prefix.length() && target.startsWith(prefix, pathStart);
  }

  /**
   * Percent-decodes the rest of the path after its first {@code skip} characters to raw bytes
   * (RFC 3986 §2.1): each {@code %XX} becomes the byte {@code 0xXX}, any other character the byte
   * of its code (the decoder reads the request line as ISO-8859-1, one character per byte). No
   * character set is involved, so any byte sequence round-trips; {@code +} stays {@code +}.
   *
   * @param skip the number of path characters to skip, at least 0
   * @return the decoded bytes, possibly empty
   * @throws IllegalArgumentException if a {@code %} is not followed by two hexadecimal digits, or
   *     a character does not fit in a byte
   */
  byte[] decodePath(int skip) {
    int from = pathStart + skip;
    if (from > pathEnd) {
      throw new IllegalArgumentException("skip: " + skip + " (expected: <= path length)");
    }
    byte[] out = new byte[pathEnd - from];
    int n = 0;
    for (int i = from; i < pathEnd; i++) {
      char c = target.charAt(i);
      if (c == '%') {
        int hi = i + 2 < pathEnd ? hexValue(target.charAt(i + 1)) : -1;
        int lo = hi >= 0 ? hexValue(target.charAt(i + 2)) : -1;
        if (lo < 0) {
          throw new IllegalArgumentException("invalid percent-encoding at index " + i);
        }
        out[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else if (c > 0xFF) {
        throw new IllegalArgumentException("invalid character at index " + i);
      } else {
        out[n++] = (byte) c;
      }
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }

  /** Returns the value of an ASCII hexadecimal digit, or -1. */
  private static int hexValue(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
