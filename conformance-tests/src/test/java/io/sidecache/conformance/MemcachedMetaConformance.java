package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * The memcached {@code gat}/{@code gats} and meta-protocol suite (protocol.txt, "Meta Commands"):
 * exact reply bytes over a raw socket, as memcached 1.6.18 writes them. Subclasses run it against
 * Sidecache and against a real memcached. CAS values differ between servers, so they are read
 * from replies rather than spelled out; a TTL may read one second lower on memcached when its
 * clock ticks between two commands, so those are matched with a pattern.
 */
abstract class MemcachedMetaConformance {
  private static final AtomicInteger KEYS = new AtomicInteger();
  private RawMemcached raw;
  private String prefix;

  /** Returns the address of the server under test. */
  abstract InetSocketAddress memcachedAddress();

  @BeforeEach
  void connect(TestInfo info) throws IOException {
    raw = new RawMemcached(memcachedAddress());
    prefix = "m" + System.nanoTime() % 100_000_000 + ":";
  }

  @AfterEach
  void disconnect() throws IOException {
    raw.close();
  }

  private String key() {
    return prefix + KEYS.incrementAndGet();
  }

  private void send(String request) throws IOException {
    raw.send(request);
  }

  private String line() throws IOException {
    return raw.line();
  }

  /** Sends {@code request} and asserts the reply is exactly {@code expected}. */
  private void exchange(String request, String expected) throws IOException {
    raw.exchange(request, expected);
  }

  /** Sends {@code request} and matches one reply line per pattern; returns the first match. */
  private Matcher exchangeMatching(String request, String... patterns) throws IOException {
    send(request);
    Matcher first = null;
    for (String p : patterns) {
      String l = line();
      Matcher m = Pattern.compile(p).matcher(l);
      assertTrue(m.matches(), "reply to " + request + ": '" + l + "' !~ " + p);
      first = first == null ? m : first;
    }
    return first;
  }

  /** Returns the CAS of a live item, read with {@code mg <key> c u} (which marks nothing fetched). */
  private long cas(String key) throws IOException {
    return Long.parseLong(exchangeMatching("mg " + key + " c u\r\n", "HD c(\\d+)").group(1));
  }

  @Test
  void gat_touchesAndReturnsValue() throws IOException {
    String k = key();
    exchange("set " + k + " 5 0 2\r\nhi\r\n", "STORED\r\n");
    exchange("gat 100 " + k + " missing\r\n", "VALUE " + k + " 5 2\r\nhi\r\nEND\r\n");
    exchangeMatching("mg " + k + " t\r\n", "HD t(99|100)");
    long cas = cas(k);
    exchange("gats 0 " + k + "\r\n", "VALUE " + k + " 5 2 " + cas + "\r\nhi\r\nEND\r\n");
    exchange("mg " + k + " t\r\n", "HD t-1\r\n");
    // A negative exptime returns the item once, then it is gone.
    exchange("gat -1 " + k + "\r\n", "VALUE " + k + " 5 2\r\nhi\r\nEND\r\n");
    exchange("get " + k + "\r\n", "END\r\n");
  }

  @Test
  void gat_errorsAndNoKey() throws IOException {
    exchange("gat\r\n", "ERROR\r\n");
    exchange("gat 10\r\n", "END\r\n");
    exchange("gats abc k\r\n", "CLIENT_ERROR invalid exptime argument\r\n");
    exchange("gat 10 " + "k".repeat(251) + "\r\n", "CLIENT_ERROR bad command line format\r\n");
  }

  @Test
  void mn_andUnknownMetaVerbs() throws IOException {
    exchange("mn\r\nmn extra words\r\n", "MN\r\nMN\r\n");
    exchange("mx k\r\nm\r\n", "ERROR\r\nERROR\r\n");
    exchange("mg\r\nms\r\nmd\r\nma\r\n", "ERROR\r\nERROR\r\nERROR\r\nERROR\r\n");
  }

  @Test
  void mg_hitFlagsInRequestOrder() throws IOException {
    String k = key();
    exchange("set " + k + " 4294967295 0 5\r\nhello\r\n", "STORED\r\n");
    long cas = cas(k);
    exchange("mg " + k + " s v f t k Oab12 c\r\n",
        "VA 5 s5 f4294967295 t-1 k" + k + " Oab12 c" + cas + "\r\nhello\r\n");
    exchange("mg " + k + " k s\r\n", "HD k" + k + " s5\r\n");
    exchange("mg " + k + "\r\n", "HD\r\n");
  }

  @Test
  void mg_missAndQuiet() throws IOException {
    String k = key();
    exchange("mg " + k + " v\r\n", "EN\r\n");
    exchange("mg " + k + " s v k O9 c\r\n", "EN k" + k + " O9\r\n");
    exchange("mg " + k + " v q\r\nmg " + k + " v q k\r\nmn\r\n", "MN\r\n");
    exchange("set " + k + " 0 0 1\r\nx\r\n", "STORED\r\n");
    // q hides only the miss: a hit is answered.
    exchange("mg " + k + " v q\r\nmg nothere" + k + " v q\r\nmn\r\n", "VA 1\r\nx\r\nMN\r\n");
  }

  @Test
  void mg_hitBeforeAndLastAccess() throws IOException {
    String k = key();
    exchange("set " + k + " 0 0 1\r\nx\r\n", "STORED\r\n");
    exchangeMatching("mg " + k + " h l\r\n", "HD h0 l[01]");
    exchangeMatching("mg " + k + " h l\r\n", "HD h1 l[01]");
    // u does not bump: a fresh item stays unfetched.
    exchange("set " + k + " 0 0 1\r\nx\r\n", "STORED\r\n");
    exchange("mg " + k + " h u\r\nmg " + k + " h\r\n", "HD h0\r\nHD h0\r\n");
    exchange("mg " + k + " h\r\n", "HD h1\r\n");
  }

  @Test
  void mg_touch() throws IOException {
    String k = key();
    exchange("set " + k + " 0 0 1\r\nx\r\n", "STORED\r\n");
    exchangeMatching("mg " + k + " T30 t\r\n", "HD t(29|30)");
    exchange("mg " + k + " T0 t\r\n", "HD t-1\r\n");
    exchange("mg " + k + " T-1 v\r\n", "VA 1\r\nx\r\n");
    exchange("mg " + k + " v\r\n", "EN\r\n");
  }

  @Test
  void mg_vivifyWinsOnceThenSetClears() throws IOException {
    String k = key();
    exchangeMatching("mg " + k + " N30 s v t\r\n", "VA 0 s0 t(29|30) W", "");
    exchangeMatching("mg " + k + " N30 s v t\r\n", "VA 0 s0 t(29|30) Z", "");
    exchange("ms " + k + " 3 T60\r\nnew\r\n", "HD\r\n");
    exchange("mg " + k + " v\r\n", "VA 3\r\nnew\r\n");
  }

  @Test
  void mg_recacheWinsBelowThreshold() throws IOException {
    String k = key();
    exchange("ms " + k + " 1 T100\r\nx\r\n", "HD\r\n");
    exchange("mg " + k + " R30 v\r\n", "VA 1\r\nx\r\n");
    exchange("mg " + k + " R200 v\r\n", "VA 1 W\r\nx\r\n");
    exchange("mg " + k + " R200 v\r\n", "VA 1 Z\r\nx\r\n");
    exchange("mg " + k + " v\r\n", "VA 1 Z\r\nx\r\n");
    // An item without expiry never wins a recache.
    exchange("ms " + k + " 1\r\ny\r\nmg " + k + " R200\r\n", "HD\r\nHD\r\n");
  }

  @Test
  void md_invalidateThenStaleFlow() throws IOException {
    String k = key();
    exchange("ms " + k + " 3 T60\r\nold\r\n", "HD\r\n");
    long before = cas(k);
    exchange("md " + k + " I T30\r\n", "HD\r\n");
    long stale = Long.parseLong(
        exchangeMatching("mg " + k + " v t c\r\n", "VA 3 t(29|30) c(\\d+) X W", "old").group(2));
    assertTrue(stale != before, "invalidation gives a new CAS");
    exchange("mg " + k + " v c\r\n", "VA 3 c" + stale + " Z X\r\nold\r\n");
    // A set with an older CAS and I stores a stale value, keeping the token and the TTL.
    exchange("ms " + k + " 3 C" + before + " I\r\nnew\r\n", "HD\r\n");
    exchangeMatching("mg " + k + " v t\r\n", "VA 3 t(29|30) Z X", "new");
    // A plain set replaces the stale item with a fresh one.
    exchange("ms " + k + " 3\r\nnew\r\nmg " + k + " v\r\n", "HD\r\nVA 3\r\nnew\r\n");
  }

  @Test
  void ms_modes() throws IOException {
    String k = key();
    exchange("ms " + k + " 1 MR\r\nx\r\n", "NS\r\n");
    exchange("ms " + k + " 1 MA\r\nx\r\n", "NS\r\n");
    exchange("ms " + k + " 1 MP\r\nx\r\n", "NS\r\n");
    exchange("ms " + k + " 1 ME F7 T0\r\n1\r\n", "HD\r\n");
    exchange("ms " + k + " 1 ME\r\n2\r\n", "NS\r\n");
    exchange("ms " + k + " 1 MA F9\r\n2\r\n", "HD\r\n");
    exchange("ms " + k + " 1 MP\r\n0\r\n", "HD\r\n");
    exchange("mg " + k + " v f\r\n", "VA 3 f7\r\n012\r\n");
    exchange("ms " + k + " 1 MR\r\nr\r\nmg " + k + " v f\r\n", "HD\r\nVA 1 f0\r\nr\r\n");
    exchange("ms " + k + " 1 MS F3\r\ns\r\nmg " + k + " v f\r\n", "HD\r\nVA 1 f3\r\ns\r\n");
    exchange("ms " + k + " 0\r\n\r\nmg " + k + " v s\r\n", "HD\r\nVA 0 s0\r\n\r\n");
  }

  @Test
  void ms_casAndReturnFlags() throws IOException {
    String k = key();
    exchange("ms " + k + " 1 C5 c\r\nx\r\n", "NF c0\r\n");
    long cas = Long.parseLong(
        exchangeMatching("ms " + k + " 1 c k O99\r\nx\r\n", "HD c(\\d+) k" + Pattern.quote(k)
            + " O99").group(1));
    assertEquals(cas, cas(k));
    exchange("ms " + k + " 1 c C" + (cas + 1000) + " O1\r\ny\r\n", "EX c0 O1\r\n");
    exchange("ms " + k + " 1 C" + cas + " q\r\ny\r\nmn\r\n", "MN\r\n");
    exchange("mg " + k + " v\r\n", "VA 1\r\ny\r\n");
    exchange("ms " + k + " 1 ME c O2\r\nz\r\n", "NS c0 O2\r\n");
    // Append with a CAS that does not match.
    exchange("ms " + k + " 1 MA C1 k\r\nz\r\n", "EX k" + k + "\r\n");
    exchangeMatching("ms " + k + " 1 MA c\r\nz\r\n", "HD c\\d+");
    exchange("mg " + k + " v\r\n", "VA 2\r\nyz\r\n");
    // q hides only HD: failures are answered.
    exchange("ms " + k + " 1 ME q\r\nz\r\nmn\r\n", "NS\r\nMN\r\n");
  }

  @Test
  void ms_ttlAndNegativeTtl() throws IOException {
    String k = key();
    exchangeMatching("ms " + k + " 1 T50\r\nx\r\nmg " + k + " t\r\n", "HD", "HD t(49|50)");
    exchange("ms " + k + " 1 T-1\r\nx\r\nmg " + k + "\r\n", "HD\r\nEN\r\n");
  }

  @Test
  void ms_errorsSwallowOrNotAsMemcached() throws IOException {
    String k = key();
    // Before the length is known the data line is read as a command: "hi" is ERROR.
    exchange("ms " + k + "\r\n", "CLIENT_ERROR bad command line format\r\n");
    exchange("ms " + k + " x\r\n", "CLIENT_ERROR bad command line format\r\n");
    exchange("ms " + k + " -1\r\n", "CLIENT_ERROR bad command line format\r\n");
    exchange("ms " + "k".repeat(251) + " 2\r\nhi\r\n",
        "CLIENT_ERROR bad command line format\r\nERROR\r\n");
    exchange("ms " + k + " 2 s t c f h l k O1 q u v T1 N1 R1 I C1 F1\r\nhi\r\n",
        "CLIENT_ERROR options flags too long\r\nERROR\r\n");
    // After the length is known the data block is swallowed.
    exchange("ms " + k + " 2 MX\r\nhi\r\nmn\r\n", "CLIENT_ERROR invalid mode for ms M token\r\nMN\r\n");
    exchange("ms " + k + " 2 MSS\r\nhi\r\nmn\r\n",
        "CLIENT_ERROR incorrect length for M token\r\nMN\r\n");
    exchange("ms " + k + " 2 S5\r\nhi\r\nmn\r\n", "CLIENT_ERROR invalid flag\r\nMN\r\n");
    exchange("ms " + k + " 2 E5\r\nhi\r\nmn\r\n", "CLIENT_ERROR invalid flag\r\nMN\r\n");
    exchange("ms " + k + " 2 Fx\r\nhi\r\nmn\r\n", "CLIENT_ERROR bad command line format\r\nMN\r\n");
    exchange("ms " + k + " 2 T\r\nhi\r\nmn\r\n",
        "CLIENT_ERROR bad token in command line format\r\nMN\r\n");
    exchange("ms " + k + " 2 Cx\r\nhi\r\nmn\r\n",
        "CLIENT_ERROR bad token in command line format\r\nMN\r\n");
    exchange("ms " + k + " 2 T1 T2\r\nhi\r\nmn\r\n", "CLIENT_ERROR duplicate flag\r\nMN\r\n");
    exchange("ms " + k + " 2 O" + "x".repeat(32) + "\r\nhi\r\nmn\r\n",
        "CLIENT_ERROR opaque token too long\r\nMN\r\n");
    exchange("ms " + k + " 2 q\r\nhiX\r\nmn\r\n", "CLIENT_ERROR bad data chunk\r\nERROR\r\nMN\r\n");
    exchange("mg " + k + "\r\n", "EN\r\n");
  }

  @Test
  void ms_tooLargeSwallowedAndOldValueRemoved() throws IOException {
    String k = key();
    exchange("ms " + k + " 1\r\nx\r\n", "HD\r\n");
    String big = "x".repeat(2 * 1024 * 1024);
    exchange("ms " + k + " " + big.length() + " q\r\n" + big + "\r\nmg " + k + "\r\n",
        "SERVER_ERROR object too large for cache\r\nEN\r\n");
  }

  @Test
  void mg_flagErrors() throws IOException {
    String k = key();
    exchange("mg " + k + " v v\r\n", "CLIENT_ERROR duplicate flag\r\n");
    exchange("mg " + k + " Z\r\n", "CLIENT_ERROR invalid flag\r\n");
    exchange("mg " + k + " E5\r\n", "CLIENT_ERROR invalid flag\r\n");
    exchange("mg " + k + " T\r\n", "CLIENT_ERROR bad token in command line format\r\n");
    exchange("mg " + k + " O" + "x".repeat(32) + "\r\n", "CLIENT_ERROR opaque token too long\r\n");
    exchange("mg " + k + " O" + "x".repeat(31) + "\r\n", "EN O" + "x".repeat(31) + "\r\n");
    exchange("mg " + k + " s t c f h l k O1 q u v T1 N1 R1 P L b x\r\n",
        "CLIENT_ERROR options flags are too long\r\n");
    exchange("mg " + "k".repeat(251) + " v\r\n", "CLIENT_ERROR bad command line format\r\n");
    exchange("mg !!!! b\r\n", "CLIENT_ERROR error decoding key\r\n");
    // memcached's decoder skips bytes outside the alphabet and needs whole groups of four.
    exchange("mg YWJj b k\r\nmg Y!WJj b k\r\nmg ab:cd b k\r\nmg YQ== b k\r\n",
        "EN kYWJj b\r\nEN kYWJj b\r\nEN kabcd b\r\nEN kYQ== b\r\n");
    exchange("mg YWJjZA b\r\nmg YWJj== b\r\nmg YWJ b\r\n", "CLIENT_ERROR error decoding key\r\n"
        + "CLIENT_ERROR error decoding key\r\nCLIENT_ERROR error decoding key\r\n");
    // Errors are never hidden by q.
    exchange("mg " + k + " q Z\r\nmn\r\n", "CLIENT_ERROR invalid flag\r\nMN\r\n");
  }

  @Test
  void md_deleteCasQuietAndErrors() throws IOException {
    String k = key();
    exchange("md " + k + "\r\nmd " + k + " q\r\n", "NF\r\nNF\r\n");
    exchange("md " + k + " k O7\r\n", "NF k" + k + " O7\r\n");
    exchange("ms " + k + " 1\r\nx\r\n", "HD\r\n");
    long cas = cas(k);
    exchange("md " + k + " C" + (cas + 1000) + " O1\r\n", "EX O1\r\n");
    exchange("md " + k + " C" + cas + " O1 k\r\n", "HD O1 k" + k + "\r\n");
    exchange("ms " + k + " 1\r\nx\r\nmd " + k + " q\r\nmg " + k + "\r\n", "HD\r\nEN\r\n");
    // T without I is ignored.
    exchange("ms " + k + " 1\r\nx\r\nmd " + k + " T30\r\nmg " + k + "\r\n", "HD\r\nHD\r\nEN\r\n");
    exchange("md " + k + " Q\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n");
    exchange("md " + k + " q q\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n");
    exchange("md " + k + " Cx\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n");
    exchange("md " + "k".repeat(251) + "\r\n", "CLIENT_ERROR bad command line format\r\n");
  }

  @Test
  void ma_incrDecrVivifyAndFlags() throws IOException {
    String k = key();
    exchange("ma " + k + "\r\nma " + k + " q\r\n", "NF\r\nNF\r\n");
    exchange("ma " + k + " O5 k\r\n", "NF O5 k" + k + "\r\n");
    exchange("ma " + k + " N0 J5 v t\r\n", "VA 1 t-1\r\n5\r\n");
    exchange("ma " + k + " v\r\n", "VA 1\r\n6\r\n");
    exchange("ma " + k + " D10 v\r\n", "VA 2\r\n16\r\n");
    exchange("ma " + k + " MD D3 v\r\n", "VA 2\r\n13\r\n");
    exchange("ma " + k + " M- D3 v\r\n", "VA 2\r\n10\r\n");
    exchange("ma " + k + " M+ v\r\n", "VA 2\r\n11\r\n");
    exchange("ma " + k + " MI\r\n", "HD\r\n");
    exchange("ma " + k + " MD D100 v\r\n", "VA 1\r\n0\r\n");
    exchange("ma " + k + " q\r\nma " + k + " v q\r\nmn\r\n", "MN\r\n");
    long cas = cas(k);
    exchange("ma " + k + " C" + (cas + 1000) + " O3 k\r\n", "EX O3 k" + k + "\r\n");
    Matcher m = exchangeMatching("ma " + k + " C" + cas + " v c\r\n", "VA 1 c(\\d+)", "3");
    assertEquals(Long.parseLong(m.group(1)), cas(k));
  }

  @Test
  void ma_wrapTtlAndErrors() throws IOException {
    String k = key();
    exchange("ma " + k + " N0 J18446744073709551615 v\r\n", "VA 20\r\n18446744073709551615\r\n");
    exchange("ma " + k + " v\r\n", "VA 1\r\n0\r\n");
    exchangeMatching("ma " + k + " T100 v\r\nmg " + k + " t\r\n", "VA 1", "1", "HD t(99|100)");
    exchange("ms " + k + " 1\r\nx\r\nma " + k + "\r\n",
        "HD\r\nCLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    exchange("ma " + k + " MX\r\n", "CLIENT_ERROR invalid mode for ma M token\r\n");
    exchange("ma " + k + " Dx\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n");
    exchange("ma " + k + " Jx N0\r\n", "CLIENT_ERROR invalid or duplicate flag\r\n");
  }

  @Test
  void base64Keys() throws IOException {
    byte[] raw = (key() + "\u0000bin\r\n").getBytes(StandardCharsets.ISO_8859_1);
    String b64 = Base64.getEncoder().encodeToString(raw);
    exchangeMatching("ms " + b64 + " 2 b k c\r\nhi\r\n",
        "HD k" + Pattern.quote(b64) + " b c\\d+");
    exchange("mg " + b64 + " b k v\r\n", "VA 2 k" + b64 + " b\r\nhi\r\n");
    // Without b the base64 text is a different key.
    exchange("mg " + b64 + " k v\r\n", "EN k" + b64 + "\r\n");
    exchange("ma " + b64 + " b k\r\n",
        "CLIENT_ERROR cannot increment or decrement non-numeric value\r\n");
    exchange("md " + b64 + " b k\r\n", "HD k" + b64 + " b\r\n");
    exchange("mg " + b64 + " b k v\r\n", "EN k" + b64 + " b\r\n");
    exchange("md !!!! b\r\nma !!!! b\r\nme !!!! b\r\n",
        "CLIENT_ERROR invalid or duplicate flag\r\nCLIENT_ERROR invalid or duplicate flag\r\n"
            + "CLIENT_ERROR bad command line format\r\n");
  }

  @Test
  void me_debug() throws IOException {
    String k = key();
    exchange("me " + k + "\r\n", "EN\r\n");
    exchange("me\r\n", "CLIENT_ERROR bad command line format\r\n");
    exchange("ms " + k + " 1\r\nx\r\n", "HD\r\n");
    long cas = cas(k);
    exchangeMatching("me " + k + "\r\n",
        "ME " + Pattern.quote(k) + " exp=-1 la=[01] cas=" + cas + " fetch=no( cls=\\d+ size=\\d+)?");
    exchange("mg " + k + " v\r\n", "VA 1\r\nx\r\n");
    exchangeMatching("me " + k + "\r\n",
        "ME " + Pattern.quote(k) + " exp=-1 la=[01] cas=" + cas + " fetch=yes( cls=\\d+ size=\\d+)?");
  }

  @Test
  void me_onAStaleItemLeavesTheWinTokenToTheNextFetch() throws IOException {
    String k = key();
    exchange("ms " + k + " 3 T60\r\nold\r\n", "HD\r\n");
    exchange("md " + k + " I T30\r\n", "HD\r\n");
    exchangeMatching("me " + k + "\r\n", "ME " + Pattern.quote(k) + " exp=.*");
    exchangeMatching("mg " + k + " v\r\n", "VA 3 X W", "old");
  }

  @Test
  void pipelinedMetaAndClassicInOrder() throws IOException {
    StringBuilder req = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      String k = key();
      String v = Integer.toString(i);
      req.append("ms ").append(k).append(' ').append(v.length()).append(" q O").append(i)
          .append("\r\n").append(v).append("\r\n")
          .append("mg ").append(k).append(" v k\r\n")
          .append("get ").append(k).append("\r\n")
          .append("mg ").append(k).append("x q\r\n")
          .append("ma ").append(k).append(" v\r\n");
      expected.append("VA ").append(v.length()).append(" k").append(k).append("\r\n").append(v)
          .append("\r\nVALUE ").append(k).append(" 0 ").append(v.length()).append("\r\n")
          .append(v).append("\r\nEND\r\n");
      String next = Long.toString(i + 1);
      expected.append("VA ").append(next.length()).append("\r\n").append(next).append("\r\n");
    }
    req.append("mn\r\n");
    expected.append("MN\r\n");
    exchange(req.toString(), expected.toString());
  }
}
