package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.sidecache.store.Entry;
import java.nio.charset.StandardCharsets;

/**
 * Writes memcached text protocol replies (protocol.txt) into a {@link ByteBuf}: pre-encoded
 * status lines, {@code VALUE} headers and decimal numbers, without building strings.
 *
 * <p>Stateless and thread-safe; the byte arrays are shared and must not be modified.
 */
final class TextReplies {
  static final byte[] STORED = line("STORED");
  static final byte[] NOT_STORED = line("NOT_STORED");
  static final byte[] EXISTS = line("EXISTS");
  static final byte[] NOT_FOUND = line("NOT_FOUND");
  static final byte[] DELETED = line("DELETED");
  static final byte[] TOUCHED = line("TOUCHED");
  static final byte[] OK = line("OK");
  static final byte[] END = line("END");
  /** The meta no-op reply (protocol.txt, "Meta No-Op"). */
  static final byte[] MN = line("MN");
  /** A meta miss, as a whole line ({@code me}). */
  static final byte[] META_EN_LINE = line("EN");
  static final byte[] META_EN = ascii("EN");
  static final byte[] META_HD = ascii("HD");
  static final byte[] META_NS = ascii("NS");
  static final byte[] META_EX = ascii("EX");
  static final byte[] META_NF = ascii("NF");
  static final byte[] META_VA = ascii("VA ");
  static final byte[] META_W = ascii(" W");
  static final byte[] META_X = ascii(" X");
  static final byte[] META_Z = ascii(" Z");
  static final byte[] META_ME = ascii("ME ");
  static final byte[] META_EXP = ascii(" exp=");
  static final byte[] META_LA = ascii(" la=");
  static final byte[] META_CAS = ascii(" cas=");
  static final byte[] META_FETCH_YES = line(" fetch=yes");
  static final byte[] META_FETCH_NO = line(" fetch=no");
  static final byte[] CRLF = line("");
  /** {@code incr}/{@code decr} on a value that is not an unsigned 64-bit decimal. */
  static final byte[] NON_NUMERIC_VALUE =
      line("CLIENT_ERROR cannot increment or decrement non-numeric value");
  /** Any failure of the store this protocol has no specific line for. */
  static final byte[] SERVER_ERROR_INTERNAL = line("SERVER_ERROR internal error");

  private static final byte[] VALUE = "VALUE ".getBytes(StandardCharsets.US_ASCII);
  private static final int MAX_SERVER_ERROR_MESSAGE = 200;
  /** 10^19 as the bits of an unsigned 64-bit value. */
  private static final long TEN_POW_19 = Long.parseUnsignedLong("10000000000000000000");

  private TextReplies() {}

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }

  /** Returns {@code text} as ASCII with {@code \r\n} appended. */
  static byte[] line(String text) {
    return (text + "\r\n").getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Returns {@code SERVER_ERROR <message>\r\n}, with any control byte of the message replaced by a
   * space so the reply stays one line (memcached protocol.txt, "Error strings").
   *
   * @param message the message, must not be {@code null}
   * @return the reply line
   */
  static byte[] serverError(String message) {
    String text = message.length() > MAX_SERVER_ERROR_MESSAGE
        ? message.substring(0, MAX_SERVER_ERROR_MESSAGE)
        : message;
    byte[] bytes = ("SERVER_ERROR " + text + "\r\n").getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length - 2; i++) {
      if ((bytes[i] & 0xFF) < 0x20 || bytes[i] == 0x7F) {
        bytes[i] = ' ';
      }
    }
    return bytes;
  }

  /**
   * Writes the header of one item of a {@code get}/{@code gets} reply: {@code VALUE <key> <flags>
   * <bytes>[ <cas unique>]\r\n}, the flags printed unsigned (protocol.txt, "Retrieval command").
   *
   * @param out where to write, must not be {@code null}
   * @param key the key as the client sent it, must not be {@code null}
   * @param entry the item, must not be {@code null}
   * @param withCas {@code true} for {@code gets}
   */
  static void writeValueHeader(ByteBuf out, byte[] key, Entry entry, boolean withCas) {
    out.writeBytes(VALUE);
    out.writeBytes(key);
    out.writeByte(' ');
    writeUnsignedDecimal(out, entry.flags() & 0xFFFF_FFFFL);
    out.writeByte(' ');
    writeUnsignedDecimal(out, entry.length());
    if (withCas) {
      out.writeByte(' ');
      writeUnsignedDecimal(out, entry.cas());
    }
    out.writeBytes(CRLF);
  }

  /**
   * Writes an unsigned 64-bit value in decimal followed by {@code \r\n} (the {@code incr}/{@code
   * decr} reply).
   *
   * @param out where to write, must not be {@code null}
   * @param value the bits of the unsigned value
   */
  static void writeNumberLine(ByteBuf out, long value) {
    writeUnsignedDecimal(out, value);
    out.writeBytes(CRLF);
  }

  /**
   * Writes a meta return flag with a numeric token: {@code " <flag><value>"}, the value signed
   * decimal (memcached meta {@code s}, {@code t}, {@code c}, {@code f}, {@code h}, {@code l}).
   *
   * @param out where to write, must not be {@code null}
   * @param flag the flag character
   * @param value the value; negative values are written with a minus sign
   */
  static void writeMetaNumber(ByteBuf out, char flag, long value) {
    out.writeByte(' ').writeByte(flag);
    if (value < 0) {
      out.writeByte('-');
      writeUnsignedDecimal(out, -value);
    } else {
      writeUnsignedDecimal(out, value);
    }
  }

  /**
   * Writes {@code " k<key>"}, or {@code " k<base64 key> b"} for a key sent base64-encoded.
   *
   * @param out where to write, must not be {@code null}
   * @param key the decoded key, must not be {@code null}
   * @param base64 whether to encode the key
   */
  static void writeMetaKey(ByteBuf out, byte[] key, boolean base64) {
    out.writeByte(' ').writeByte('k');
    if (base64) {
      out.writeBytes(java.util.Base64.getEncoder().encode(key)).writeByte(' ').writeByte('b');
    } else {
      out.writeBytes(key);
    }
  }

  /**
   * Writes an unsigned 64-bit value in ASCII decimal.
   *
   * @param out where to write, must not be {@code null}
   * @param value the bits of the unsigned value
   */
  static void writeUnsignedDecimal(ByteBuf out, long value) {
    if (value >= 0 && value < 10) {
      out.writeByte('0' + (int) value);
      return;
    }
    int digits = unsignedDigits(value);
    out.ensureWritable(digits);
    int end = out.writerIndex() + digits;
    int i = end;
    long v = value;
    if (v < 0) {
      // Above Long.MAX_VALUE: peel off one digit unsigned, the rest fits a signed long.
      long quotient = Long.divideUnsigned(v, 10);
      out.setByte(--i, '0' + (int) (v - quotient * 10));
      v = quotient;
    }
    do {
      long quotient = v / 10;
      out.setByte(--i, '0' + (int) (v - quotient * 10));
      v = quotient;
    } while (v != 0);
    out.writerIndex(end);
  }

  private static int unsignedDigits(long value) {
    if (value < 0) {
      // 2^63 <= value < 2^64: 19 digits below 10^19, 20 from there.
      return Long.compareUnsigned(value, TEN_POW_19) >= 0 ? 20 : 19;
    }
    int digits = 1;
    long bound = 10;
    while (digits < 19 && value >= bound) {
      digits++;
      bound *= 10;
    }
    return digits;
  }
}
