package io.sidecache.resp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;

/**
 * Writes replies straight into one outbound buffer per read batch (no reply objects): simple
 * strings, errors, integers, bulk strings and array headers, and the RESP3 types Redis 7 answers
 * with once a connection said {@code HELLO 3} (null, map, set, verbatim string); in RESP2 those
 * are written as Redis writes them there (a null bulk string or array, a flat array, a bulk
 * string).
 *
 * <p>Not thread-safe: one instance per connection, used on its event loop.
 */
public final class RespReply {
  private static final byte[] CRLF = {'\r', '\n'};
  private static final byte[] OK = "+OK\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NULL_BULK = "$-1\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NULL_ARRAY = "*-1\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NULL = "_\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ZERO = ":0\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ONE = ":1\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MIN_LONG =
      Long.toString(Long.MIN_VALUE).getBytes(StandardCharsets.US_ASCII);

  /** Bytes after which {@link #flushIfLarge} hands the buffer to the channel mid-batch. */
  static final int FLUSH_THRESHOLD = 64 * 1024;

  private final ByteBufAllocator alloc;
  private ByteBuf buf;
  private boolean discarded;
  /** Set on the event loop by HELLO; read by other threads too (client tracking's delivery). */
  private volatile boolean resp3;

  RespReply(ByteBufAllocator alloc) {
    this.alloc = alloc;
  }

  private ByteBuf buf() {
    if (discarded) {
      // The connection is gone but a command still completing (EXEC, a late store stage)
      // writes its reply: it goes to an unpooled scratch buffer that nobody flushes or releases.
      return new UnpooledHeapByteBuf(UnpooledByteBufAllocator.DEFAULT, 64, Integer.MAX_VALUE);
    }
    ByteBuf b = buf;
    if (b == null) {
      b = buf = alloc.ioBuffer(256);
    }
    return b;
  }

  /** Writes {@code +OK}. */
  public void ok() {
    buf().writeBytes(OK);
  }

  /**
   * Writes a simple string.
   *
   * @param s ASCII text without CR or LF
   */
  public void simple(String s) {
    ByteBuf b = buf();
    b.writeByte('+');
    ByteBufUtil.writeAscii(b, s);
    b.writeBytes(CRLF);
  }

  /**
   * Writes an error.
   *
   * @param message the error line including its prefix ({@code ERR ...}), one byte per char
   *     (ISO-8859-1, so raw argument bytes echoed in it round-trip); CR and LF are replaced by
   *     spaces, as Redis does
   */
  public void error(String message) {
    ByteBuf b = buf();
    b.writeByte('-');
    int start = b.writerIndex();
    b.writeCharSequence(message, StandardCharsets.ISO_8859_1);
    for (int i = start; i < b.writerIndex(); i++) {
      byte c = b.getByte(i);
      if (c == '\r' || c == '\n') {
        b.setByte(i, ' ');
      }
    }
    b.writeBytes(CRLF);
  }

  /**
   * Writes an integer reply.
   *
   * @param v the value
   */
  public void integer(long v) {
    ByteBuf b = buf();
    if (v == 0) {
      b.writeBytes(ZERO);
    } else if (v == 1) {
      b.writeBytes(ONE);
    } else {
      b.writeByte(':');
      writeDecimal(b, v);
      b.writeBytes(CRLF);
    }
  }

  /**
   * Writes a bulk string.
   *
   * @param value the bytes, or {@code null} for the null bulk string {@code $-1}
   */
  public void bulk(byte[] value) {
    if (value == null) {
      nullBulk();
      return;
    }
    ByteBuf b = buf();
    b.ensureWritable(value.length + 16);
    b.writeByte('$');
    writeDecimal(b, value.length);
    b.writeBytes(CRLF);
    b.writeBytes(value);
    b.writeBytes(CRLF);
  }

  /**
   * Writes text as a bulk string.
   *
   * @param s the text, encoded as UTF-8
   */
  public void bulk(String s) {
    bulk(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes the header of a bulk string whose bytes follow separately (streamed), then {@link
   * #crlf()}.
   *
   * @param length the number of bytes that follow
   */
  public void bulkHeader(long length) {
    ByteBuf b = buf();
    b.writeByte('$');
    writeDecimal(b, length);
    b.writeBytes(CRLF);
  }

  /** Writes {@code \r\n}: the end of a streamed bulk string. */
  public void crlf() {
    buf().writeBytes(CRLF);
  }

  /** Writes the null bulk string {@code $-1}, in RESP3 the null {@code _}. */
  public void nullBulk() {
    buf().writeBytes(resp3 ? NULL : NULL_BULK);
  }

  /** Writes the null array {@code *-1}, in RESP3 the null {@code _}. */
  public void nullArray() {
    buf().writeBytes(resp3 ? NULL : NULL_ARRAY);
  }

  /**
   * Switches the protocol of the replies written from now on (Redis {@code HELLO protover}).
   *
   * @param version 2 or 3
   */
  void protocol(int version) {
    resp3 = version == 3;
  }

  /** Returns the protocol of the replies: 2 or 3. */
  int protocol() {
    return resp3 ? 3 : 2;
  }

  /**
   * Writes a map header (RESP3 {@code %}); the caller then writes {@code pairs} keys and values.
   * In RESP2 an array of twice as many elements, as Redis's {@code addReplyMapLen}.
   *
   * @param pairs the number of key-value pairs
   */
  public void map(int pairs) {
    header(resp3 ? '%' : '*', resp3 ? pairs : 2L * pairs);
  }

  /**
   * Writes a set header (RESP3 {@code ~}); in RESP2 an array header.
   *
   * @param length the number of elements
   */
  public void set(int length) {
    header(resp3 ? '~' : '*', length);
  }

  /**
   * Writes text as a verbatim string of format {@code txt} (RESP3 {@code =}); in RESP2 a bulk
   * string, as Redis's {@code addReplyVerbatim}.
   *
   * @param text the text, encoded as UTF-8
   */
  public void verbatim(String text) {
    if (!resp3) {
      bulk(text);
      return;
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    ByteBuf b = buf();
    b.ensureWritable(bytes.length + 20);
    b.writeByte('=');
    writeDecimal(b, bytes.length + 4);
    b.writeBytes(CRLF);
    b.writeBytes("txt:".getBytes(StandardCharsets.US_ASCII));
    b.writeBytes(bytes);
    b.writeBytes(CRLF);
  }

  private void header(char type, long length) {
    ByteBuf b = buf();
    b.writeByte(type);
    writeDecimal(b, length);
    b.writeBytes(CRLF);
  }

  /**
   * Writes an array header; the caller then writes {@code length} elements.
   *
   * @param length the number of elements, at least 0
   */
  public void array(int length) {
    header('*', length);
  }

  /**
   * Writes a push header (RESP3 {@code >}, an out-of-band message such as a client-side caching
   * invalidation); in RESP2 an array header, as Redis writes pub/sub messages.
   *
   * @param length the number of elements, at least 0
   */
  public void push(int length) {
    header(resp3 ? '>' : '*', length);
  }

  private static void writeDecimal(ByteBuf b, long v) {
    if (v == Long.MIN_VALUE) {
      b.writeBytes(MIN_LONG);
      return;
    }
    if (v < 0) {
      b.writeByte('-');
      v = -v;
    }
    int digits = 1;
    for (long t = v; t >= 10; t /= 10) {
      digits++;
    }
    int end = b.writerIndex() + digits;
    b.ensureWritable(digits);
    for (int i = end - 1; i >= b.writerIndex(); i--) {
      b.setByte(i, (int) ('0' + v % 10));
      v /= 10;
    }
    b.writerIndex(end);
  }

  /**
   * Writes and flushes what has accumulated once it holds {@link #FLUSH_THRESHOLD} bytes or more,
   * so that a large reply reaches the socket (and the channel's writability) mid-batch.
   */
  void flushIfLarge(ChannelHandlerContext ctx) {
    if (buf != null && buf.readableBytes() >= FLUSH_THRESHOLD) {
      flush(ctx);
    }
  }

  /**
   * Writes and flushes what has accumulated.
   *
   * <p>The buffer is detached before it is handed to the channel: the channel owns it from then
   * on, and a handler that runs inside this write (a writability change fires synchronously while
   * the socket takes the bytes) writes into a new buffer instead of handing this one over again.
   */
  void flush(ChannelHandlerContext ctx) {
    ByteBuf b = buf;
    if (b == null) {
      return;
    }
    buf = null;
    if (b.isReadable()) {
      ctx.writeAndFlush(b, ctx.voidPromise());
    } else {
      b.release();
    }
  }

  /** Releases what has accumulated without writing it. */
  void discard() {
    discarded = true;
    if (buf != null) {
      buf.release();
      buf = null;
    }
  }
}
