package io.sidecache.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.sidecache.store.Entry;
import java.util.List;

/**
 * Time to live over HTTP: the one a {@code PUT} asks for, and the {@code Cache-Control: max-age}
 * a read answers with. Stateless.
 *
 * <p>A {@code PUT} sets a TTL with {@code ?ttl=<seconds>} or with {@code Cache-Control:
 * max-age=<seconds>} (the query wins when both are given); each is a whole number of seconds from
 * 1 up to what an expiry in milliseconds since the epoch can hold (as Redis 7 {@code SET ... EX},
 * which refuses 0 and overflow). Without either the value does not expire, replacing any earlier
 * TTL (as {@code SET}).
 */
final class Ttl {
  private static final String MAX_AGE = "max-age";

  private Ttl() {}

  /**
   * Reads the TTL a {@code PUT} asks for and turns it into an expiry.
   *
   * @param uri the request target
   * @param headers the request headers
   * @param nowMillis the current time in milliseconds since the epoch
   * @return the absolute expiry in milliseconds since the epoch, or {@link Entry#NO_EXPIRY}
   * @throws IllegalArgumentException if the TTL is not a positive whole number of seconds, or is
   *     too large (answered {@code 400})
   */
  static long expiresAt(String uri, HttpHeaders headers, long nowMillis) {
    List<String> query = new QueryStringDecoder(uri).parameters().get("ttl");
    String seconds;
    String source;
    if (query != null) {
      if (query.size() != 1) {
        throw new IllegalArgumentException("invalid ttl: given " + query.size() + " times");
      }
      seconds = query.get(0);
      source = "ttl";
    } else {
      seconds = maxAge(headers.getAll(HttpHeaderNames.CACHE_CONTROL));
      source = MAX_AGE;
    }
    if (seconds == null) {
      return Entry.NO_EXPIRY;
    }
    long ttl = parsePositive(seconds);
    if (ttl <= 0 || ttl > (Long.MAX_VALUE - nowMillis) / 1000) {
      throw new IllegalArgumentException(
          "invalid " + source + ": " + seconds + " (expected: whole seconds, at least 1)");
    }
    return nowMillis + ttl * 1000;
  }

  /**
   * Returns the {@code Cache-Control} field value of a read or write: {@code max-age} (RFC 9111
   * §5.2.2.1) with the seconds the entry has left, rounded to the nearest second as Redis 7
   * {@code TTL} rounds, so that HTTP and RESP report the same number.
   *
   * @param entry the entry read
   * @param nowMillis the current time in milliseconds since the epoch
   * @return {@code max-age=<seconds>}, or {@code null} when the entry does not expire
   */
  static String cacheControl(Entry entry, long nowMillis) {
    if (!entry.hasExpiry()) {
      return null;
    }
    return MAX_AGE + '=' + Math.max(0, (entry.expiresAt() - nowMillis + 500) / 1000);
  }

  /** The {@code max-age} directive's argument in {@code Cache-Control} lines, or {@code null}. */
  private static String maxAge(List<String> lines) {
    for (String line : lines) {
      for (String directive : line.split(",")) {
        String d = directive.strip();
        int eq = d.indexOf('=');
        if (eq == MAX_AGE.length() && d.regionMatches(true, 0, MAX_AGE, 0, eq)) {
          String arg = d.substring(eq + 1).strip();
          // RFC 9111 §5.2: the argument is a token; a quoted string is accepted too.
          return arg.length() >= 2 && arg.startsWith("\"") && arg.endsWith("\"")
              ? arg.substring(1, arg.length() - 1) : arg;
        }
      }
    }
    return null;
  }

  /** Parses {@code 1*DIGIT}; -1 when not digits, {@link Long#MAX_VALUE} when too large. */
  private static long parsePositive(String s) {
    if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return -1;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }
}
