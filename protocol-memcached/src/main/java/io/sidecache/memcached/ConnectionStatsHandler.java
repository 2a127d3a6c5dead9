package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Counts a listener's connections and the bytes they read and write into its {@link
 * MemcachedStats} ({@code curr_connections}, {@code total_connections}, {@code bytes_read},
 * {@code bytes_written}). Sits first in the pipeline, so it sees the bytes of both dialects.
 *
 * <p>Sharable and thread-safe.
 */
@ChannelHandler.Sharable
final class ConnectionStatsHandler extends ChannelDuplexHandler {
  private final MemcachedStats stats;

  ConnectionStatsHandler(MemcachedStats stats) {
    this.stats = stats;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    stats.connectionOpened();
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    stats.connectionClosed();
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      stats.read(buf.readableBytes());
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf buf) {
      stats.written(buf.readableBytes());
    }
    ctx.write(msg, promise);
  }
}
