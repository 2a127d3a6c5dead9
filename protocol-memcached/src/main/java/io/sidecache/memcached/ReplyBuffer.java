package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;

/**
 * The outbound buffer of one memcached connection: replies of a read batch accumulate in one
 * {@link ByteBuf}, written and flushed once by {@link #flush}. A buffer that grows past {@value
 * #WRITE_THROUGH_BYTES} bytes mid-batch is written (not flushed) at once so that the channel's
 * writability, and with it back-pressure, sees it; values of {@value #ZERO_COPY_VALUE_BYTES} bytes
 * or more are written as wrapped buffers rather than copied.
 *
 * <p>Not thread-safe: used from the channel's event loop only.
 */
final class ReplyBuffer {
  /** Replies buffered beyond this many bytes are written before the read batch ends. */
  static final int WRITE_THROUGH_BYTES = 64 * 1024;

  /** Values at least this long are written without copying them into the reply buffer. */
  static final int ZERO_COPY_VALUE_BYTES = 16 * 1024;

  private static final int INITIAL_BUFFER_BYTES = 256;

  private final ChannelHandlerContext ctx;
  /** Replies not yet written, or {@code null}. */
  private ByteBuf out;
  /** Whether something was written since the last flush. */
  private boolean unflushed;

  ReplyBuffer(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Returns the buffer to append a reply to. */
  ByteBuf buffer() {
    if (out == null) {
      out = ctx.alloc().ioBuffer(INITIAL_BUFFER_BYTES);
    }
    return out;
  }

  /** Writes the buffered replies through once they pass {@value #WRITE_THROUGH_BYTES} bytes. */
  void writeThroughIfLarge() {
    if (out != null && out.readableBytes() >= WRITE_THROUGH_BYTES) {
      writeThrough();
    }
  }

  /**
   * Appends a value: copied when small, otherwise written as a wrapped buffer after the replies
   * before it.
   *
   * @param value the bytes, must not be {@code null} and must not change afterwards
   */
  void writeValue(byte[] value) {
    if (value.length >= ZERO_COPY_VALUE_BYTES) {
      writeThrough();
      ctx.write(Unpooled.wrappedBuffer(value));
      unflushed = true;
    } else {
      buffer().writeBytes(value);
      writeThroughIfLarge();
    }
  }

  /** Hands the buffered replies to the channel, unflushed. */
  void writeThrough() {
    ByteBuf buf = out;
    if (buf == null) {
      return;
    }
    out = null;
    if (buf.isReadable()) {
      ctx.write(buf);
      unflushed = true;
    } else {
      buf.release();
    }
  }

  /** Writes the buffered replies and flushes the channel if anything was written. */
  void flush() {
    writeThrough();
    if (unflushed) {
      unflushed = false;
      ctx.flush();
    }
  }

  /** Drops the buffered replies (the channel is gone). */
  void release() {
    if (out != null) {
      out.release();
      out = null;
    }
  }
}
