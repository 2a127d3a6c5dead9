package io.sidecache.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangeTest {

  @Test
  void parse_closedRange_startAndEnd() {
    assertEquals(new ByteRange(2, 5, false), ByteRange.parse("bytes=2-5"));
  }

  @Test
  void parse_openRange_endMinusOne() {
    assertEquals(new ByteRange(7, -1, false), ByteRange.parse("bytes=7-"));
  }

  @Test
  void parse_suffixRange_negativeStart() {
    ByteRange r = ByteRange.parse("bytes=-4");
    assertEquals(new ByteRange(-4, -1, true), r);
    assertFalse(r.isZeroSuffix());
  }

  @Test
  void parse_zeroSuffix_flagged() {
    assertTrue(ByteRange.parse("bytes=-0").isZeroSuffix());
    assertFalse(ByteRange.parse("bytes=0-").isZeroSuffix());
  }

  @Test
  void parse_hugeNumbers_saturate() {
    assertEquals(new ByteRange(Long.MAX_VALUE, -1, false),
        ByteRange.parse("bytes=99999999999999999999999999-"));
    assertEquals(new ByteRange(-Long.MAX_VALUE, -1, true),
        ByteRange.parse("bytes=-99999999999999999999999999"));
    assertEquals(new ByteRange(Long.MAX_VALUE - 1, Long.MAX_VALUE, false),
        ByteRange.parse("bytes=9223372036854775806-9223372036854775808"));
  }

  @Test
  void parse_emptyListElements_ignored() {
    assertEquals(new ByteRange(1, 2, false), ByteRange.parse("bytes=, 1-2 ,,"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "bytes=1-2,3-4", "bytes=1-2,-1", "bytes=2-1", "bytes=", "bytes=,", "bytes=-", "bytes=a-b",
        "bytes=1 - 2", "bytes 1-2", "byte=1-2", "bytesx=1-2", "=1-2", "bytes=1-2-", "bytes=١-٢"
      })
  void parse_invalidOrMultiple_null(String value) {
    assertNull(ByteRange.parse(value));
  }

  @Test
  void fromHeaders_ifRangePresent_null() {
    HttpHeaders h = new DefaultHttpHeaders().add("Range", "bytes=0-1");
    assertEquals(new ByteRange(0, 1, false), ByteRange.fromHeaders(h));
    h.add("If-Range", "Wed, 21 Oct 2015 07:28:00 GMT");
    assertNull(ByteRange.fromHeaders(h));
  }

  @Test
  void fromHeaders_absentOrRepeated_null() {
    assertNull(ByteRange.fromHeaders(new DefaultHttpHeaders()));
    assertNull(ByteRange.fromHeaders(
        new DefaultHttpHeaders().add("Range", "bytes=0-1").add("Range", "bytes=0-1")));
  }
}
