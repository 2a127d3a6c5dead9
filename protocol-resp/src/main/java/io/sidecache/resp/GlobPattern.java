package io.sidecache.resp;

/**
 * A Redis glob pattern ({@code KEYS}, {@code SCAN MATCH}), matched byte for byte exactly as Redis
 * 7.0 {@code stringmatchlen} (util.c, case-sensitive): {@code *} any run of bytes, {@code ?} one
 * byte, {@code [abc]}, {@code [^abc]} and ranges {@code [a-z]} (reversed ranges are swapped; bytes
 * compare as signed C {@code char}s, so a range reaching 0x80-0xff behaves as in Redis on x86),
 * {@code \} escapes the next byte, also inside brackets; an unterminated bracket ends the pattern.
 *
 * <p>Immutable and thread-safe; matching allocates nothing and cuts off the exponential cases the
 * way Redis 7.0.10+ does (once the rest of a pattern fails after a {@code *}, longer matches for
 * earlier stars are not tried).
 */
final class GlobPattern {
  private final byte[] pattern;

  private GlobPattern(byte[] pattern) {
    this.pattern = pattern;
  }

  /**
   * Returns the pattern for {@code pattern}'s bytes.
   *
   * @param pattern the pattern bytes, must not be {@code null}; not copied, must not be modified
   */
  static GlobPattern compile(byte[] pattern) {
    return new GlobPattern(pattern);
  }

  /**
   * Returns whether {@code string} matches the whole pattern.
   *
   * @param string the bytes to test, must not be {@code null}
   */
  boolean matches(byte[] string) {
    return match(0, string, 0, new boolean[1]);
  }

  /** The pattern byte at {@code i}, or 0 past the end (C reads the terminating NUL there). */
  private byte p(int i) {
    return i < pattern.length ? pattern[i] : 0;
  }

  private boolean match(int pi, byte[] s, int si, boolean[] skipLongerMatches) {
    int plen = pattern.length - pi;
    int slen = s.length - si;
    while (plen > 0 && slen > 0) {
      switch (pattern[pi]) {
        case '*':
          while (plen > 0 && p(pi + 1) == '*') {
            pi++;
            plen--;
          }
          if (plen == 1) {
            return true;
          }
          while (slen > 0) {
            if (match(pi + 1, s, si, skipLongerMatches)) {
              return true;
            }
            if (skipLongerMatches[0]) {
              return false;
            }
            si++;
            slen--;
          }
          skipLongerMatches[0] = true;
          return false;
        case '?':
          si++;
          slen--;
          break;
        case '[': {
          pi++;
          plen--;
          boolean not = p(pi) == '^';
          if (not) {
            pi++;
            plen--;
          }
          boolean match = false;
          byte c = s[si];
          for (;;) {
            if (p(pi) == '\\' && plen >= 2) {
              pi++;
              plen--;
              if (p(pi) == c) {
                match = true;
              }
            } else if (p(pi) == ']') {
              break;
            } else if (plen == 0) {
              pi--;
              plen++;
              break;
            } else if (plen >= 3 && p(pi + 1) == '-') {
              int start = p(pi);
              int end = p(pi + 2);
              if (start > end) {
                int t = start;
                start = end;
                end = t;
              }
              pi += 2;
              plen -= 2;
              if (c >= start && c <= end) {
                match = true;
              }
            } else if (p(pi) == c) {
              match = true;
            }
            pi++;
            plen--;
          }
          if (not) {
            match = !match;
          }
          if (!match) {
            return false;
          }
          si++;
          slen--;
          break;
        }
        case '\\':
          if (plen >= 2) {
            pi++;
            plen--;
          }
          // fall through: the escaped byte matches itself
        default:
          if (p(pi) != s[si]) {
            return false;
          }
          si++;
          slen--;
          break;
      }
      pi++;
      plen--;
      if (slen == 0) {
        while (p(pi) == '*') {
          pi++;
          plen--;
        }
        break;
      }
    }
    return plen == 0 && slen == 0;
  }
}
