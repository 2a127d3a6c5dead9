package io.sidecache.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangeTest {

  @Test
  void parse_closedRange_startAndEnd() {
    assertEquals(new ByteRange(2, 5, false), one("bytes=2-5"));
  }

  @Test
  void parse_openRange_endMinusOne() {
    assertEquals(new ByteRange(7, -1, false), one("bytes=7-"));
  }

  @Test
  void parse_suffixRange_negativeStart() {
    ByteRange r = one("bytes=-4");
    assertEquals(new ByteRange(-4, -1, true), r);
    assertFalse(r.isZeroSuffix());
  }

  @Test
  void parse_zeroSuffix_flagged() {
    assertTrue(one("bytes=-0").isZeroSuffix());
    assertFalse(one("bytes=0-").isZeroSuffix());
  }

  @Test
  void parse_hugeNumbers_saturate() {
    assertEquals(new ByteRange(Long.MAX_VALUE, -1, false),
        one("bytes=99999999999999999999999999-"));
    assertEquals(new ByteRange(-Long.MAX_VALUE, -1, true),
        one("bytes=-99999999999999999999999999"));
    assertEquals(new ByteRange(Long.MAX_VALUE - 1, Long.MAX_VALUE, false),
        one("bytes=9223372036854775806-9223372036854775808"));
  }

  @Test
  void parse_emptyListElements_ignored() {
    assertEquals(new ByteRange(1, 2, false), one("bytes=, 1-2 ,,"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes=1-2,3-x", "bytes=1-2,2-1", "bytes=2-1", "bytes=", "bytes=,", "bytes=-", "bytes=a-b",
        "bytes=1 - 2", "bytes 1-2", "byte=1-2", "bytesx=1-2", "=1-2", "bytes=1-2-", "bytes=١-٢"
      })
  void parse_invalid_null(String value) {
    assertNull(ByteRange.parse(value));
  }

  @Test
  void parse_several_inOrder() {
    assertEquals(List.of(new ByteRange(3, 4, false), new ByteRange(1, 2, false),
        new ByteRange(-1, -1, true)), ByteRange.parse("bytes=3-4, 1-2,-1"));
  }

  @Test
  void fromHeaders_oneLine_ranges() {
    HttpHeaders h = new DefaultHttpHeaders().add("Range", "bytes=0-1");
    assertEquals(List.of(new ByteRange(0, 1, false)), ByteRange.fromHeaders(h));
  }

  @ParameterizedTest
  @CsvSource({
    "bytes=0-3, 10, 0, 3", "bytes=2-, 10, 2, 9", "bytes=5-100, 10, 5, 9", "bytes=-3, 10, 7, 9",
    "bytes=-30, 10, 0, 9", "bytes=9-9, 10, 9, 9", "bytes=-5, 0, 0, -1"
  })
  void resolve_satisfiable_clampedToValue(String range, long length, long first, long last) {
    assertArrayEquals(new long[] {first, last}, one(range).resolve(length));
  }

  @ParameterizedTest
  @CsvSource({"bytes=10-, 10", "bytes=10-20, 10", "bytes=-0, 10", "bytes=0-, 0", "bytes=-0, 0"})
  void resolve_unsatisfiable_null(String range, long length) {
    assertNull(one(range).resolve(length));
  }

  private static ByteRange one(String value) {
    List<ByteRange> ranges = ByteRange.parse(value);
    assertEquals(1, ranges.size(), value);
    return ranges.get(0);
  }

  @Test
  void fromHeaders_absentOrRepeated_null() {
    assertNull(ByteRange.fromHeaders(new DefaultHttpHeaders()));
    assertNull(ByteRange.fromHeaders(
        new DefaultHttpHeaders().add("Range", "bytes=0-1").add("Range", "bytes=0-1")));
  }
}
