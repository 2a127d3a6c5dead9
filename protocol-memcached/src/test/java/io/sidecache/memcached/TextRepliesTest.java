package io.sidecache.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sidecache.store.Entry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextRepliesTest {

  @Test
  void writeUnsignedDecimal_boundaries() {
    long[] values = {
      0, 9, 10, 99, 100, 999_999_999_999_999_999L, 1_000_000_000_000_000_000L, Long.MAX_VALUE,
      Long.MIN_VALUE, Long.parseUnsignedLong("9999999999999999999"),
      Long.parseUnsignedLong("10000000000000000000"), -1L
    };
    for (long v : values) {
      assertEquals(Long.toUnsignedString(v), write(v), "value " + Long.toUnsignedString(v));
    }
  }

  @Test
  void writeValueHeader_flagsUnsignedAndCas() {
    ByteBuf buf = Unpooled.buffer();
    try {
      Entry entry = new Entry(new byte[3], 0x8000_0000, 77, Entry.NO_EXPIRY);
      TextReplies.writeValueHeader(buf, "key".getBytes(StandardCharsets.US_ASCII), entry, true);
      assertEquals("VALUE key 2147483648 3 77\r\n", buf.toString(StandardCharsets.US_ASCII));
    } finally {
      buf.release();
    }
  }

  @Test
  void serverError_keepsOneLine() {
    assertEquals(
        "SERVER_ERROR disk  broken\r\n",
        new String(TextReplies.serverError("disk\r broken"), StandardCharsets.UTF_8));
  }

  private static String write(long v) {
    ByteBuf buf = Unpooled.buffer(1);
    try {
      TextReplies.writeUnsignedDecimal(buf, v);
      return buf.toString(StandardCharsets.US_ASCII);
    } finally {
      buf.release();
    }
  }
}
