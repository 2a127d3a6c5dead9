package io.sidecache.resp;

/**
 * Redis 7.0 {@code LCS} (t_string.c {@code lcsCommand}): the options of one call and the
 * dynamic-programming walk that produces the common subsequence, its length, or its matching
 * ranges, with exactly Redis's range order and reply shapes (RESP2: the IDX map is a flat array).
 *
 * <p>Not thread-safe; one instance per call.
 */
final class Lcs {
  private boolean idx;
  private boolean len;
  private boolean withMatchLen;
  private long minMatchLen;

  private Lcs() {}

  /**
   * Parses {@code LEN}, {@code IDX}, {@code MINMATCHLEN len} and {@code WITHMATCHLEN} from {@code
   * args[3..]}.
   *
   * @throws RespException {@code ERR syntax error}, a bad integer, or {@code ERR If you want both
   *     the length and indexes, please just use IDX.}
   */
  static Lcs parse(byte[][] args) {
    Lcs o = new Lcs();
    for (int j = 3; j < args.length; j++) {
      boolean more = j + 1 < args.length;
      if (Args.is(args[j], "IDX")) {
        o.idx = true;
      } else if (Args.is(args[j], "LEN")) {
        o.len = true;
      } else if (Args.is(args[j], "WITHMATCHLEN")) {
        o.withMatchLen = true;
      } else if (Args.is(args[j], "MINMATCHLEN") && more) {
        o.minMatchLen = Math.max(0, Args.toLong(args[++j]));
      } else {
        throw RespException.SYNTAX;
      }
    }
    if (o.idx && o.len) {
      throw new RespException("ERR If you want both the length and indexes, please just use IDX.");
    }
    return o;
  }

  /**
   * Computes the LCS of {@code a} and {@code b} and writes the reply: the subsequence (bulk), its
   * length ({@code LEN}), or {@code matches}/{@code len} ({@code IDX}). Costs {@code
   * (a.length + 1) * (b.length + 1)} ints of transient memory; the caller bounds it.
   */
  void reply(RespReply r, byte[] a, byte[] b) {
    int alen = a.length;
    int blen = b.length;
    int w = blen + 1;
    int[] lcs = new int[(alen + 1) * w];
    for (int i = 1; i <= alen; i++) {
      for (int j = 1; j <= blen; j++) {
        if (a[i - 1] == b[j - 1]) {
          lcs[i * w + j] = lcs[(i - 1) * w + j - 1] + 1;
        } else {
          lcs[i * w + j] = Math.max(lcs[(i - 1) * w + j], lcs[i * w + j - 1]);
        }
      }
    }
    int total = lcs[alen * w + blen];
    if (len) {
      r.integer(total);
      return;
    }
    byte[] result = new byte[total];
    // Ranges are collected first: RESP2 has no deferred array length.
    long[] ranges = new long[idx ? 5 * Math.max(1, total) : 0];
    int count = 0;
    int k = total;
    int arangeStart = alen;
    int arangeEnd = 0;
    int brangeStart = 0;
    int brangeEnd = 0;
    int i = alen;
    int j = blen;
    while (i > 0 && j > 0) {
      boolean emit = false;
      if (a[i - 1] == b[j - 1]) {
        result[k - 1] = a[i - 1];
        if (arangeStart == alen) {
          arangeStart = i - 1;
          arangeEnd = i - 1;
          brangeStart = j - 1;
          brangeEnd = j - 1;
        } else if (arangeStart == i && brangeStart == j) {
          arangeStart--;
          brangeStart--;
        } else {
          emit = true;
        }
        if (arangeStart == 0 || brangeStart == 0) {
          emit = true;
        }
        k--;
        i--;
        j--;
      } else {
        if (lcs[(i - 1) * w + j] > lcs[i * w + j - 1]) {
          i--;
        } else {
          j--;
        }
        if (arangeStart != alen) {
          emit = true;
        }
      }
      if (emit) {
        long matchLen = arangeEnd - arangeStart + 1;
        if (idx && (minMatchLen == 0 || matchLen >= minMatchLen)) {
          ranges[count * 5] = arangeStart;
          ranges[count * 5 + 1] = arangeEnd;
          ranges[count * 5 + 2] = brangeStart;
          ranges[count * 5 + 3] = brangeEnd;
          ranges[count * 5 + 4] = matchLen;
          count++;
        }
        arangeStart = alen;
      }
    }
    if (!idx) {
      r.bulk(result);
      return;
    }
    r.map(2);
    r.bulk("matches");
    r.array(count);
    for (int m = 0; m < count; m++) {
      r.array(withMatchLen ? 3 : 2);
      r.array(2);
      r.integer(ranges[m * 5]);
      r.integer(ranges[m * 5 + 1]);
      r.array(2);
      r.integer(ranges[m * 5 + 2]);
      r.integer(ranges[m * 5 + 3]);
      if (withMatchLen) {
        r.integer(ranges[m * 5 + 4]);
      }
    }
    r.bulk("len");
    r.integer(total);
  }
}
