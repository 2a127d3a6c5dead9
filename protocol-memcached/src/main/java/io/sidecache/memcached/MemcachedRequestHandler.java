package io.sidecache.memcached;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.PipelinedRequestHandler;

/**
 * The part the text and binary command handlers share: the connection's {@link ReplyBuffer},
 * flushed once per read batch, released when the channel goes, and the close on an unexpected
 * error.
 *
 * <p>Not sharable: one instance per channel, used from its event loop only.
 *
 * @param <I> the request type of the dialect's decoder
 */
abstract class MemcachedRequestHandler<I> extends PipelinedRequestHandler<I> {
  private static final InternalLogger logger =
      InternalLoggerFactory.getInstance(MemcachedRequestHandler.class);

  /** The connection's replies; set once the handler is added to the pipeline. */
  ReplyBuffer replies;

  MemcachedRequestHandler(Class<I> requestType, CommandGate gate) {
    super(requestType, gate);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    super.handlerAdded(ctx);
    this.replies = new ReplyBuffer(ctx);
  }

  @Override
  protected final void flushReplies(ChannelHandlerContext ctx) {
    replies.flush();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    logger.warn("{}: closing memcached connection after an unexpected error", ctx.channel(), cause);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    replies.release();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    replies.release();
  }
}
