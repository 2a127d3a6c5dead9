package io.sidecache.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link MemcachedTextDecoder} in an {@link EmbeddedChannel}: every input is decoded whole, split
 * in two at every byte position (inputs up to {@value #MAX_EXHAUSTIVE_SPLIT} bytes) and fed one
 * byte at a time, and must give the same requests each way.
 */
class MemcachedTextDecoderTest {
  private static final int MAX_ITEM = 16;
  private static final int MAX_EXHAUSTIVE_SPLIT = 2100;

  // ---- retrieval

  @Test
  void get_singleKey() {
    assertDecodes("get foo\r\n", "get foo");
  }

  @Test
  void get_multipleKeysWithExtraSpaces() {
    assertDecodes("  get   a  b c \r\n", "get a b c");
  }

  @Test
  void get_duplicateKeysKept() {
    assertDecodes("get a a\r\n", "get a a");
  }

  @Test
  void gets_multipleKeys() {
    assertDecodes("gets a b\r\n", "gets a b");
  }

  @Test
  void get_bareNewline() {
    assertDecodes("get a\nget b\n", "get a", "get b");
  }

  @Test
  void get_onlyOneCarriageReturnStripped() {
    assertDecodes("get a\r\r\n", "get a\r");
  }

  @Test
  void get_controlCharactersInKeyAccepted() {
    // memcached 1.6.18 stores and returns "tab\tkey" over the text protocol.
    assertDecodes("get tab\tkey\r\n", "get tab\tkey");
  }

  @Test
  void get_lineEndsAtNul() {
    // memcached reads the line with strlen: "get k\0junk" is "get k".
    assertDecodes("get k\0junk\r\n", "get k");
  }

  @Test
  void get_noKey() {
    assertDecodes("get\r\nget \r\n", "get !UNKNOWN_COMMAND", "get !UNKNOWN_COMMAND");
  }

  @Test
  void get_key250Accepted() {
    String key = "k".repeat(250);
    assertDecodes("get " + key + "\r\n", "get " + key);
  }

  @Test
  void get_key251AnywhereInLine() {
    assertDecodes(
        "get a " + "k".repeat(251) + " b\r\nget a\r\n", "get !BAD_COMMAND_LINE_FORMAT", "get a");
  }

  @Test
  void get_noreplyIsAKey() {
    assertDecodes("get a noreply\r\n", "get a noreply");
  }

  // ---- storage

  @Test
  void set_dataWithCrLfInside() {
    assertDecodes("set k 5 10 7\r\nab\r\ncd!\r\n", "set k f=5 e=10 data=[ab\r\ncd!]");
  }

  @Test
  void set_emptyData() {
    assertDecodes("set k 0 0 0\r\n\r\n", "set k data=[]");
  }

  @Test
  void set_noreply() {
    assertDecodes("set k 0 0 1 noreply\r\nx\r\n", "set k data=[x] noreply");
  }

  @Test
  void set_extraWordIgnored() {
    // memcached 1.6.18: "set k 0 0 1 garbage" is a plain set.
    assertDecodes("set k 0 0 1 garbage\r\nx\r\n", "set k data=[x]");
  }

  @Test
  void storage_everyVerb() {
    assertDecodes(
        "add a 1 2 1\r\nx\r\nreplace b 3 4 1\r\ny\r\nappend c 0 0 1\r\nz\r\n"
            + "prepend d 0 0 2\r\nzz\r\ncas e 7 0 1 12345\r\nw\r\ncas f 0 0 1 9 noreply\r\nv\r\n",
        "add a f=1 e=2 data=[x]",
        "replace b f=3 e=4 data=[y]",
        "append c data=[z]",
        "prepend d data=[zz]",
        "cas e f=7 n=12345 data=[w]",
        "cas f n=9 data=[v] noreply");
  }

  @Test
  void set_flagsUnsigned32() {
    assertDecodes("set k 4294967295 0 1\r\nx\r\n", "set k f=4294967295 data=[x]");
  }

  @Test
  void set_flagsAbove32BitsRejected() {
    // memcached 1.6.18 keeps the low 32 bits; Sidecache refuses rather than store other flags.
    assertDecodes(
        "set k 4294967296 0 1\r\nx\r\n", "set !BAD_COMMAND_LINE_FORMAT", "? !UNKNOWN_COMMAND");
  }

  @Test
  void set_negativeFlagsRejected() {
    assertDecodes("set k -1 0 1\r\nx\r\n", "set !BAD_COMMAND_LINE_FORMAT", "? !UNKNOWN_COMMAND");
  }

  @Test
  void set_exptimeForms() {
    assertDecodes(
        "set a 0 -1 1\r\nx\r\nset b 0 +5 1\r\nx\r\nset c 0 2147483647 1\r\nx\r\n"
            + "set d 0 -99999999999 1\r\nx\r\n",
        "set a e=-1 data=[x]",
        "set b e=5 data=[x]",
        "set c e=2147483647 data=[x]",
        "set d e=-2147483648 data=[x]");
  }

  @Test
  void set_exptimeAbove32BitsRejected() {
    assertDecodes(
        "set k 0 2147483648 1\r\nx\r\n", "set !BAD_COMMAND_LINE_FORMAT", "? !UNKNOWN_COMMAND");
  }

  @Test
  void set_negativeLengthDoesNotSwallowData() {
    // memcached answers the data line as a command: CLIENT_ERROR then ERROR.
    assertDecodes(
        "set k 0 0 -1\r\nabc\r\nget k\r\n",
        "set !BAD_COMMAND_LINE_FORMAT",
        "? !UNKNOWN_COMMAND",
        "get k");
  }

  @Test
  void set_malformedLength() {
    assertDecodes(
        "set k 0 0 1x\r\nx\r\n", "set !BAD_COMMAND_LINE_FORMAT", "? !UNKNOWN_COMMAND");
  }

  @Test
  void set_badNumberWithNoreplyKeepsNoreply() {
    assertDecodes(
        "set k 0 0 abc noreply\r\n", "set !BAD_COMMAND_LINE_FORMAT noreply");
  }

  @Test
  void set_key251DoesNotSwallowData() {
    assertDecodes(
        "set " + "k".repeat(251) + " 0 0 1\r\nx\r\n",
        "set !BAD_COMMAND_LINE_FORMAT",
        "? !UNKNOWN_COMMAND");
  }

  @Test
  void set_wrongWordCount() {
    assertDecodes(
        "set k 0 0\r\nset k 0 0 1 noreply extra\r\ncas k 0 0 1\r\n",
        "set !UNKNOWN_COMMAND",
        "set !UNKNOWN_COMMAND",
        "cas !UNKNOWN_COMMAND");
  }

  @Test
  void cas_badUnique() {
    assertDecodes(
        "cas k 0 0 1 abc\r\ncas k 0 0 1 -1\r\ncas k 0 0 1 noreply\r\n",
        "cas !BAD_COMMAND_LINE_FORMAT",
        "cas !BAD_COMMAND_LINE_FORMAT",
        "cas !BAD_COMMAND_LINE_FORMAT noreply");
  }

  @Test
  void set_tooLargeSwallowsData() {
    String data = "z".repeat(MAX_ITEM + 1);
    assertDecodes(
        "set k 0 0 " + (MAX_ITEM + 1) + "\r\n" + data + "\r\nget k\r\n",
        "set !OBJECT_TOO_LARGE k",
        "get k");
  }

  @Test
  void set_tooLargeSwallowsWithoutCheckingTerminator() {
    String data = "z".repeat(MAX_ITEM + 1);
    assertDecodes(
        "add k 0 0 " + (MAX_ITEM + 1) + " noreply\r\n" + data + "XYget k\r\n",
        "add !OBJECT_TOO_LARGE k noreply",
        "get k");
  }

  @Test
  void set_largestItemAccepted() {
    String data = "z".repeat(MAX_ITEM);
    assertDecodes(
        "set k 0 0 " + MAX_ITEM + "\r\n" + data + "\r\n", "set k data=[" + data + "]");
  }

  @Test
  void set_badDataChunk() {
    // memcached 1.6.18: CLIENT_ERROR bad data chunk, ERROR (for the "\r\n" left over), END.
    assertDecodes(
        "set k 0 0 3\r\nabcde\r\nget k\r\n",
        "set !BAD_DATA_CHUNK",
        "? !UNKNOWN_COMMAND",
        "get k");
  }

  @Test
  void set_badDataChunkConsumesTwoBytes() {
    assertDecodes("set k 0 0 1\r\nxget k\r\n", "set !BAD_DATA_CHUNK", "? !UNKNOWN_COMMAND");
  }

  @Test
  void set_badDataChunkWithNoreply() {
    // "x" is the data, "y\r" is not "\r\n", then "\n" is an empty line.
    assertDecodes(
        "set k 0 0 1 noreply\r\nxy\r\n", "set !BAD_DATA_CHUNK noreply", "? !UNKNOWN_COMMAND");
  }

  // ---- other commands

  @Test
  void delete_forms() {
    assertDecodes(
        "delete a\r\ndelete b 0\r\ndelete c noreply\r\ndelete d 0 noreply\r\ndelete noreply\r\n",
        "delete a",
        "delete b",
        "delete c noreply",
        "delete d noreply",
        "delete noreply");
  }

  @Test
  void delete_badForms() {
    assertDecodes(
        "delete a 5\r\ndelete a 5 noreply\r\ndelete a 0 0\r\ndelete\r\ndelete a b c d\r\n",
        "delete !BAD_DELETE_FORMAT",
        "delete !BAD_DELETE_FORMAT noreply",
        "delete !BAD_DELETE_FORMAT",
        "delete !UNKNOWN_COMMAND",
        "delete !UNKNOWN_COMMAND");
  }

  @Test
  void delete_key251() {
    assertDecodes("delete " + "k".repeat(251) + "\r\n", "delete !BAD_COMMAND_LINE_FORMAT");
  }

  @Test
  void incr_forms() {
    assertDecodes(
        "incr a 5\r\ndecr b 18446744073709551615\r\nincr c +05\r\nincr d 1 noreply\r\n"
            + "incr e 1 garbage\r\n",
        "incr a n=5",
        "decr b n=18446744073709551615",
        "incr c n=5",
        "incr d n=1 noreply",
        "incr e n=1");
  }

  @Test
  void incr_invalidDelta() {
    assertDecodes(
        "incr a abc\r\nincr a -1\r\nincr a 18446744073709551616\r\nincr a 5x\r\n"
            + "incr a abc noreply\r\n",
        "incr !INVALID_DELTA",
        "incr !INVALID_DELTA",
        "incr !INVALID_DELTA",
        "incr !INVALID_DELTA",
        "incr !INVALID_DELTA noreply");
  }

  @Test
  void incr_wrongWordCountAndLongKey() {
    assertDecodes(
        "incr a\r\ndecr a 1 2 3\r\nincr " + "k".repeat(251) + " 1\r\n",
        "incr !UNKNOWN_COMMAND",
        "decr !UNKNOWN_COMMAND",
        "incr !BAD_COMMAND_LINE_FORMAT");
  }

  @Test
  void touch_forms() {
    assertDecodes(
        "touch a 10\r\ntouch b -1 noreply\r\ntouch c abc\r\ntouch d\r\n",
        "touch a e=10",
        "touch b e=-1 noreply",
        "touch !INVALID_EXPTIME",
        "touch !UNKNOWN_COMMAND");
  }

  @Test
  void flushAll_forms() {
    assertDecodes(
        "flush_all\r\nflush_all 0\r\nflush_all noreply\r\nflush_all 10 noreply\r\n"
            + "flush_all -5\r\nflush_all 1 2\r\nflush_all abc\r\nflush_all 1 2 3\r\n",
        "flush_all",
        "flush_all",
        "flush_all noreply",
        "flush_all n=10 noreply",
        "flush_all n=18446744073709551611",
        "flush_all n=1",
        "flush_all !INVALID_EXPTIME",
        "flush_all !UNKNOWN_COMMAND");
  }

  @Test
  void versionVerbosityQuit_forms() {
    assertDecodes(
        "version\r\nversion x y\r\nverbosity 1\r\nverbosity 1 noreply\r\nverbosity abc\r\n"
            + "verbosity\r\nquit\r\n",
        "version",
        "version",
        "verbosity n=1",
        "verbosity n=1 noreply",
        "verbosity !BAD_COMMAND_LINE_FORMAT",
        "verbosity !UNKNOWN_COMMAND",
        "quit");
  }

  @Test
  void unknown_commands() {
    assertDecodes(
        "foo\r\n\r\n\n   \r\nGET k\r\ng k\r\nSTATS\r\n",
        "? !UNKNOWN_COMMAND",
        "? !UNKNOWN_COMMAND",
        "? !UNKNOWN_COMMAND",
        "? !UNKNOWN_COMMAND",
        "? !UNKNOWN_COMMAND",
        "? !UNKNOWN_COMMAND",
        "? !UNKNOWN_COMMAND");
  }

  @Test
  void pipeline_mixedBatch() {
    assertDecodes(
        "set a 0 0 1\r\n1\r\nget a b\r\nincr a 2\r\ndelete b\r\nset c 0 0 2 noreply\r\nxy\r\n",
        "set a data=[1]",
        "get a b",
        "incr a n=2",
        "delete b",
        "set c data=[xy] noreply");
  }

  // ---- line limits

  @Test
  void line_exactlyAtLimitAccepted() {
    String line = "version " + "x".repeat(MemcachedTextDecoder.MAX_LINE_LENGTH - 8);
    assertEquals(MemcachedTextDecoder.MAX_LINE_LENGTH, line.length());
    assertDecodes(line + "\r\n", "version");
  }

  @Test
  void line_overLimitClosesAndDiscards() {
    String line = "version " + "x".repeat(MemcachedTextDecoder.MAX_LINE_LENGTH - 7);
    assertDecodes(line + "\r\nget a\r\n", "? !LINE_TOO_LONG");
  }

  @Test
  void line_overLimitWithoutNewline() {
    assertDecodes(
        "set " + "x".repeat(MemcachedTextDecoder.MAX_LINE_LENGTH), "? !LINE_TOO_LONG");
  }

  @Test
  void line_shortLineWithoutNewlineWaits() {
    assertDecodes("set " + "x".repeat(MemcachedTextDecoder.MAX_LINE_LENGTH - 10));
  }

  /** The parts a long multi-get line of {@code keys} decodes to: 256 keys each, then the rest. */
  private static String[] parts(String verb, List<String> keys, String suffix) {
    List<String> out = new ArrayList<>();
    int per = MemcachedTextDecoder.MULTI_GET_PART_KEYS;
    for (int i = 0; i + per <= keys.size(); i += per) {
      out.add(verb + " " + String.join(" ", keys.subList(i, i + per)) + suffix + " n=1");
    }
    List<String> rest = keys.subList(keys.size() / per * per, keys.size());
    out.add(rest.isEmpty() ? verb + suffix : verb + " " + String.join(" ", rest) + suffix);
    return out.toArray(new String[0]);
  }

  private static List<String> keys(int n) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      keys.add("key" + i);
    }
    return keys;
  }

  @Test
  void get_lineWithinLimit_oneRequest() {
    List<String> keys = keys(400); // 2,693 bytes with "get": over the limit, so in parts
    List<String> few = keys(300); // 1,993 bytes
    String line = "get " + String.join(" ", few);
    assertTrue(line.length() <= MemcachedTextDecoder.MAX_LINE_LENGTH);
    assertDecodes(line + "\r\n", line);
    assertDecodes("get " + String.join(" ", keys) + "\r\n", parts("get", keys, ""));
  }

  @Test
  void get_longLine_keysInPartsWhateverTheSegmentation() {
    List<String> keys = keys(700);
    assertDecodes("get " + String.join(" ", keys) + "\r\nversion\r\n",
        concat(parts("get", keys, ""), "version"));
    assertDecodes("  gets   " + String.join("  ", keys) + " \r\n", parts("gets", keys, ""));
    List<String> exact = keys(512); // a multiple of the part size: the last part is empty
    assertDecodes("get " + String.join(" ", exact) + "\n", parts("get", exact, ""));
  }

  @Test
  void get_veryLongLine_twentyThousandKeys() {
    List<String> keys = keys(20_000);
    String line = "get " + String.join(" ", keys);
    assertTrue(line.length() > 150_000);
    // Whole, and in reads of 1,000 bytes (byte-by-byte splits are covered by the shorter lines).
    byte[] bytes = (line + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
    List<byte[]> reads = new ArrayList<>();
    for (int i = 0; i < bytes.length; i += 1000) {
      reads.add(Arrays.copyOfRange(bytes, i, Math.min(bytes.length, i + 1000)));
    }
    assertEquals(List.of(parts("get", keys, "")), decode(List.of(bytes)));
    assertEquals(List.of(parts("get", keys, "")), decode(reads));
  }

  @Test
  void gat_longLine_partsKeepTheExptime() {
    List<String> keys = keys(400);
    assertDecodes("gats 100 " + String.join(" ", keys) + "\r\n", parts("gats", keys, " e=100"));
    assertDecodes("gat x1 " + String.join(" ", keys) + "\r\nversion\r\n",
        "gat !INVALID_EXPTIME", "version");
  }

  @Test
  void get_longLine_tooLongKey_errorAfterTheFirstParts() {
    List<String> keys = keys(300);
    String line = "get " + String.join(" ", keys) + " " + "x".repeat(251) + " more keys";
    String[] first = parts("get", keys.subList(0, 256), "");
    List<String> want = new ArrayList<>(List.of(first).subList(0, first.length - 1));
    want.add("get !BAD_COMMAND_LINE_FORMAT");
    want.add("version");
    assertDecodes(line + "\r\nversion\r\n", want.toArray(new String[0]));
  }

  @Test
  void get_longLine_wordsAfterNulIgnored() {
    List<String> keys = keys(400);
    assertDecodes("get " + String.join(" ", keys) + "\0 ignored keys\r\n", parts("get", keys, ""));
  }

  @Test
  void get_longLine_bareCarriageReturnIsPartOfAKey_asOnAShortLine() {
    List<String> keys = new ArrayList<>(keys(400));
    keys.add("a\rb");
    keys.add("c\r");
    assertDecodes("get " + String.join(" ", keys) + "\r\n", parts("get", keys, ""));
    assertDecodes("get a\rb c\r\r\n", "get a\rb c\r");
  }

  @Test
  void get_longLineOfSpaces_wrongWordCount() {
    assertDecodes("get" + " ".repeat(3000) + "\r\nversion\r\n", "get !UNKNOWN_COMMAND", "version");
    assertDecodes("get" + "\r\n", "get !UNKNOWN_COMMAND");
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void httpRequestLine_closes_asMemcached() {
    assertDecodes("GET / HTTP/1.0\r\nversion\r\n", "? !HTTP_REQUEST_LINE");
    assertDecodes("DELETE HTTP/1.1\r\n", "? !HTTP_REQUEST_LINE");
    assertDecodes("PUT /x HTTP/1.1\r\n", "? !HTTP_REQUEST_LINE");
    // A known command, or a lower-case "http/", is answered as usual.
    assertDecodes("get / HTTP/1.1\r\n", "get / HTTP/1.1");
    assertDecodes("GET / http/1.0\r\n", "? !UNKNOWN_COMMAND");
  }

  @Test
  void get_tooManyLeadingSpacesIsNotAMultiGet() {
    String line = " ".repeat(101) + "get " + "k ".repeat(1200);
    assertDecodes(line + "\r\n", "? !LINE_TOO_LONG");
  }

  @Test
  void get_longLineWithoutSpaceAfterVerbCloses() {
    assertDecodes("gets" + "x".repeat(3000) + "\r\n", "? !LINE_TOO_LONG");
  }

  @Test
  void constructor_negativeMaxItemSize() {
    assertThrows(IllegalArgumentException.class, () -> new MemcachedTextDecoder(-1));
  }

  // ---- gat / gats / meta

  @Test
  void gat_exptimeThenKeys() {
    assertDecodes("gat 10 a b\r\ngats -1 c\r\ngat 5\r\n", "gat a b e=10", "gats c e=-1", "gat e=5");
    assertDecodes("gat x a\r\ngat\r\n", "gat !INVALID_EXPTIME", "gat !UNKNOWN_COMMAND");
  }

  @Test
  void meta_flagsInOrderWithTokens() {
    assertDecodes(
        "mg k v T30 N-1 R5 Oab k\r\nmn\r\n",
        "mg k [vTNROk] T=30 N=-1 R=5 O=Oab",
        "mn");
    assertDecodes(
        "ma k MD D5 J7 C9 q\r\nmd k I T0 C18446744073709551615\r\n",
        "ma k [MDJCq] C=9 D=5 J=7 M=D",
        "md k [ITC] T=0 C=18446744073709551615");
  }

  @Test
  void metaSet_dataBlockInFragments() {
    assertDecodes(
        "ms k 3 F5 T9 MA c\r\na\r\n\r\nms e 0\r\n\r\n",
        "ms k data=[a\r\n] [FTMc] T=9 F=5 M=A",
        "ms e data=[] []");
  }

  @Test
  void metaSet_errorsBeforeLengthDoNotSwallow() {
    assertDecodes("ms k\r\nms k x\r\nhi\r\n",
        "ms !BAD_COMMAND_LINE_FORMAT", "ms !BAD_COMMAND_LINE_FORMAT", "? !UNKNOWN_COMMAND");
  }

  @Test
  void metaSet_flagErrorsSwallowTheBlock() {
    assertDecodes(
        "ms k 2 MX\r\nhi\r\nms k 2 Z\r\nhi\r\nms k 2 T\r\nhi\r\nmn\r\n",
        "ms !META_MS_MODE", "ms !META_INVALID_FLAG", "ms !META_BAD_TOKEN", "mn");
    assertDecodes("ms k 2 q\r\nhiX\r\n", "ms !BAD_DATA_CHUNK", "? !UNKNOWN_COMMAND");
  }

  @Test
  void meta_flagErrors() {
    assertDecodes(
        "mg k v v\r\nmg k T1 Z T2\r\nmg k Fx T\r\nmg k Fx\r\nmd k Z\r\nma k MX\r\n",
        "mg !META_DUPLICATE_FLAG",
        "mg !META_INVALID_FLAG",
        "mg !META_BAD_TOKEN",
        "mg !BAD_COMMAND_LINE_FORMAT",
        "md !META_INVALID_OR_DUPLICATE_FLAG",
        "ma !META_MA_MODE");
    assertDecodes("mg k a b c d e f g h i j k l m n o p q r\r\n", "mg !META_MG_TOO_MANY_FLAGS");
    assertDecodes("mg k O" + "x".repeat(32) + "\r\n", "mg !META_OPAQUE_TOO_LONG");
    assertDecodes("me\r\nme a:b b\r\n", "me !BAD_COMMAND_LINE_FORMAT", "me !BAD_COMMAND_LINE_FORMAT");
  }

  @Test
  void meta_base64Key() {
    assertDecodes("mg YWJj b k\r\nmg Y!W:Jj b\r\nmg YWJ b\r\nme YWJj b\r\n",
        "mg abc [bk]", "mg abc [b]", "mg !META_KEY_DECODING", "me abc [b]");
    assertEquals(null, MemcachedTextDecoder.decodeBase64(new byte[] {'=', '=', '=', '='}));
  }

  // ---- harness

  /** Decodes the input whole, split in two everywhere, and byte by byte; expects the same. */
  private static void assertDecodes(String input, String... expected) {
    byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
    List<String> want = Arrays.asList(expected);
    assertEquals(want, decode(List.of(bytes)), "whole");
    if (bytes.length <= MAX_EXHAUSTIVE_SPLIT) {
      for (int split = 1; split < bytes.length; split++) {
        assertEquals(want, decode(splitAt(bytes, split)), "split at " + split);
      }
    } else {
      int n = bytes.length;
      for (int split : new int[] {1, 2, 2047, 2048, 2049, 2050, 2051, n / 2, n - 2, n - 1}) {
        assertEquals(want, decode(splitAt(bytes, split)), "split at " + split);
      }
    }
    List<byte[]> fragments = new ArrayList<>(bytes.length);
    for (byte b : bytes) {
      fragments.add(new byte[] {b});
    }
    assertEquals(want, decode(fragments), "one byte at a time");
  }

  private static List<byte[]> splitAt(byte[] bytes, int split) {
    return List.of(
        Arrays.copyOfRange(bytes, 0, split), Arrays.copyOfRange(bytes, split, bytes.length));
  }

  private static List<String> decode(List<byte[]> chunks) {
    EmbeddedChannel channel = new EmbeddedChannel(new MemcachedTextDecoder(MAX_ITEM));
    List<String> decoded = new ArrayList<>();
    List<ByteBuf> inputs = new ArrayList<>();
    for (byte[] chunk : chunks) {
      ByteBuf buf = Unpooled.wrappedBuffer(chunk);
      inputs.add(buf);
      channel.writeInbound(buf);
      for (Object msg; (msg = channel.readInbound()) != null; ) {
        decoded.add(describe((TextRequest) msg));
      }
    }
    assertFalse(channel.finish());
    for (ByteBuf buf : inputs) {
      assertEquals(0, buf.refCnt(), "input released");
    }
    return decoded;
  }

  /** A compact, complete description: verb, !error, keys, then only non-default fields. */
  static String describe(TextRequest r) {
    StringBuilder sb = new StringBuilder();
    sb.append(r.verb() == null ? "?" : r.verb().name().toLowerCase(java.util.Locale.ROOT));
    if (r.error() != null) {
      sb.append(" !").append(r.error());
    }
    for (byte[] key : r.keys()) {
      sb.append(' ').append(latin1(key));
    }
    if (r.flags() != 0) {
      sb.append(" f=").append(Integer.toUnsignedString(r.flags()));
    }
    if (r.exptime() != 0) {
      sb.append(" e=").append(r.exptime());
    }
    if (r.number() != 0) {
      sb.append(" n=").append(Long.toUnsignedString(r.number()));
    }
    if (r.data() != null) {
      sb.append(" data=[").append(latin1(r.data())).append(']');
    }
    if (r.noreply()) {
      sb.append(" noreply");
    }
    MetaFlags m = r.meta();
    if (m != null) {
      sb.append(" [");
      for (int i = 0; i < m.count(); i++) {
        sb.append((char) m.flagAt(i));
      }
      sb.append(']');
      if (m.has('T')) {
        sb.append(" T=").append(m.ttl());
      }
      if (m.has('N')) {
        sb.append(" N=").append(m.vivifyTtl());
      }
      if (m.has('R')) {
        sb.append(" R=").append(m.recacheTtl());
      }
      if (m.has('C')) {
        sb.append(" C=").append(Long.toUnsignedString(m.compareCas()));
      }
      if (m.has('F')) {
        sb.append(" F=").append(Integer.toUnsignedString(m.clientFlags()));
      }
      if (m.has('D') || m.has('J')) {
        sb.append(" D=").append(Long.toUnsignedString(m.delta()))
            .append(" J=").append(Long.toUnsignedString(m.initial()));
      }
      if (m.mode() != 0) {
        sb.append(" M=").append((char) m.mode());
      }
      if (m.opaque() != null) {
        sb.append(" O=").append(latin1(m.opaque()));
      }
    }
    return sb.toString();
  }

  private static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }
}
