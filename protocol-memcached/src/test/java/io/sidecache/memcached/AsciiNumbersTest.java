package io.sidecache.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The acceptance rules of memcached's safe_strtol / safe_strtoul / safe_strtoull. */
class AsciiNumbersTest {
  private final long[] scratch = new long[2];

  @Test
  void parseInt32_accepted() {
    assertEquals(0, int32("0"));
    assertEquals(5, int32("+5"));
    assertEquals(-5, int32("-5"));
    assertEquals(5, int32("\t5"));
    assertEquals(5, int32("5\tjunk"), "strtol stops at whitespace; memcached accepts");
    assertEquals(Integer.MAX_VALUE, int32("2147483647"));
    assertEquals(Integer.MIN_VALUE, int32("-2147483648"));
    assertEquals(Integer.MIN_VALUE, int32("-99999999999"));
  }

  @Test
  void parseInt32_rejected() {
    for (String s : new String[] {"", "-", "+", "x", "5x", "2147483648", "99999999999999999999",
        "-99999999999999999999"}) {
      assertEquals(AsciiNumbers.INVALID, int32(s), s);
    }
  }

  @Test
  void parseUnsigned32_bounds() {
    assertEquals(4294967295L, u32("4294967295"));
    assertEquals(0, u32("-0"));
    assertEquals(-1, u32("4294967296"));
    assertEquals(-1, u32("-1"));
    assertEquals(-1, u32("abc"));
  }

  @Test
  void parseUnsigned64_bounds() {
    assertTrue(u64("18446744073709551615"));
    assertEquals(-1L, scratch[0]);
    assertTrue(u64("0018446744073709551615"));
    assertFalse(u64("18446744073709551616"));
    assertFalse(u64("18446744073709551620"));
    assertFalse(u64("-1"));
    assertFalse(u64(""));
    assertTrue(u64("+7"));
    assertEquals(7, scratch[0]);
  }

  private long int32(String s) {
    ByteBuf b = buf(s);
    try {
      return AsciiNumbers.parseInt32(b, 0, b.writerIndex(), scratch);
    } finally {
      b.release();
    }
  }

  private long u32(String s) {
    ByteBuf b = buf(s);
    try {
      return AsciiNumbers.parseUnsigned32(b, 0, b.writerIndex(), scratch);
    } finally {
      b.release();
    }
  }

  private boolean u64(String s) {
    ByteBuf b = buf(s);
    try {
      return AsciiNumbers.parseUnsigned64(b, 0, b.writerIndex(), scratch);
    } finally {
      b.release();
    }
  }

  private static ByteBuf buf(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }
}
