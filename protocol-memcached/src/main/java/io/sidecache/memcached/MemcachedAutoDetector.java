package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Picks the memcached dialect of a connection from its first byte, as memcached's negotiating
 * protocol does ({@code memcached.c}, {@code try_read_command_negotiate}): 0x80, the binary
 * request magic, installs the binary decoder and handler; anything else installs the text ones.
 * It then removes itself and passes the bytes it saw on, so nothing is read twice or lost.
 *
 * <p>With SASL credentials every connection must be binary, as memcached started with {@code -S}
 * allows no ASCII: a first byte other than 0x80 closes the connection without an answer
 * (memcached waits for 24 bytes, fails the magic check, then closes; here the first byte
 * decides).
 *
 * <p>Not sharable: one instance per channel, created by {@link MemcachedServerInitializer}.
 */
final class MemcachedAutoDetector extends ChannelInboundHandlerAdapter {
  private final MemcachedServerInitializer listener;

  MemcachedAutoDetector(MemcachedServerInitializer listener) {
    this.listener = listener;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (!buf.isReadable()) {
      ReferenceCountUtil.release(buf);
      return;
    }
    boolean binary =
        buf.getUnsignedByte(buf.readerIndex()) == MemcachedBinaryDecoder.REQUEST_MAGIC;
    if (!binary && listener.requiresBinary()) {
      ReferenceCountUtil.release(buf);
      ctx.close();
      return;
    }
    listener.installDialect(ctx.pipeline(), ctx.name(), binary);
    ctx.pipeline().remove(this);
    ctx.fireChannelRead(buf);
  }
}
