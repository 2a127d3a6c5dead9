package io.sidecache.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestTargetTest {

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void decodePath_everyByteValue_roundTrips() {
    StringBuilder sb = new StringBuilder("/cache/");
    byte[] expected = new byte[256];
    for (int i = 0; i < 256; i++) {
      expected[i] = (byte) i;
      sb.append('%').append(String.format("%02X", i));
    }
    assertArrayEquals(expected, RequestTarget.of(sb.toString()).decodePath(7));
  }

  @Test
  void decodePath_rawLatin1Characters_oneByteEach() {
    assertArrayEquals(new byte[] {(byte) 0xE9, 'x'},
        RequestTarget.of("/cache/\u00e9x").decodePath(7));
  }

  @Test
  void decodePath_plus_keptLiterally() {
    assertArrayEquals(ascii("a+b"), RequestTarget.of("/cache/a+b").decodePath(7));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/cache/%", "/cache/%4", "/cache/%g0", "/cache/%0g", "/cache/\u0100"})
  void decodePath_invalid_throws(String target) {
    assertThrows(IllegalArgumentException.class, () -> RequestTarget.of(target).decodePath(7));
  }

  @Test
  void decodePath_percentBeforeQuery_throws() {
    // "%4" followed by the query must not borrow the '?' as a hex digit.
    assertThrows(IllegalArgumentException.class,
        () -> RequestTarget.of("/cache/%4?a").decodePath(7));
  }

  @Test
  void of_queryAndFragment_excludedFromPath() {
    assertArrayEquals(ascii("k"), RequestTarget.of("/cache/k?ttl=1#x").decodePath(7));
    assertArrayEquals(ascii("k"), RequestTarget.of("/cache/k#x").decodePath(7));
  }

  @Test
  void of_absoluteForm_pathAfterAuthority() {
    RequestTarget t = RequestTarget.of("HTTP://user@host:80/cache/k?q");
    assertTrue(t.pathStartsWith("/cache/"));
    assertArrayEquals(ascii("k"), t.decodePath(7));
    assertFalse(RequestTarget.of("http://host?x=/cache/k").pathStartsWith("/cache/"));
    assertEquals("health", RequestTarget.of("http://host/health").operationsEndpoint());
  }

  @Test
  void operationsEndpoint_prefixOrLonger_null() {
    assertNull(RequestTarget.of("/healthz").operationsEndpoint());
    assertNull(RequestTarget.of("/healt").operationsEndpoint());
    assertNull(RequestTarget.of("/cache").operationsEndpoint());
    assertEquals("ready", RequestTarget.of("/ready?verbose").operationsEndpoint());
    assertEquals("metrics", RequestTarget.of("/metrics").operationsEndpoint());
    assertEquals("stats", RequestTarget.of("/stats").operationsEndpoint());
  }
}
