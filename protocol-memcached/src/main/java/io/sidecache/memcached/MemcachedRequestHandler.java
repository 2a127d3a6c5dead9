package io.sidecache.memcached;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import java.util.function.Consumer;

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

  /**
   * Writes a chunked entry's value, never whole in heap: opens a reader, lets {@code header}
   * write what precedes the value (for the entry the reader reads, whose length it gives), streams
   * the chunks as the client takes them, then runs {@code then} to write what follows. A value
   * that turned out to have lost a chunk, or cannot be read, is answered by {@code miss} instead.
   *
   * @param store the store the entry was read from
   * @param key the key it was read under
   * @param entry the chunked entry
   * @param header writes the reply up to the value's first byte
   * @param miss answers the request as a miss
   * @param then writes the rest of the reply; not run when the connection closed part-way
   */
  final void streamValue(CacheStore store, Key key, Entry entry, Consumer<Entry> header,
      Runnable miss, Runnable then) {
    await(store.read(key, entry, 0, -1), (reader, cause) -> {
      if (cause != null || reader == null) {
        if (cause != null) {
          logger.warn("reading the chunks of {} failed", key, cause);
        }
        miss.run();
        return;
      }
      header.accept(reader.entry());
      stream(reader::next, failure -> {
        reader.close();
        if (failure == null) {
          then.run();
        }
      });
    });
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
