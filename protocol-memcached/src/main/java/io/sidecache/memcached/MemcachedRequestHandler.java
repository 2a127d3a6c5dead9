package io.sidecache.memcached;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import java.util.function.Consumer;

/**
 * The part the text and binary command handlers share: the connection's {@link ReplyBuffer},
 * flushed once per read batch, released when the channel goes, the close on an unexpected
 * error, and the timing of each command ({@code sidecache.commands} with {@code
 * protocol=memcached}, from its arrival to its last reply byte written, {@code result=error} for
 * an error reply or a failed store operation; misses, {@code NOT_STORED} and {@code EXISTS} are
 * answers, not errors).
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

  private final CommandMetrics metrics;
  private CommandMetrics.Meter timed;
  private long timedSince;
  private boolean timedFailed;

  MemcachedRequestHandler(Class<I> requestType, CommandGate gate, CommandMetrics metrics) {
    super(requestType, gate);
    this.metrics = metrics;
  }

  /**
   * Starts timing the request being handled as {@code command}, from now.
   *
   * @param command the command's name, e.g. {@code get}
   */
  final void time(String command) {
    time(command, System.nanoTime());
  }

  /** Starts timing the request being handled as {@code command}, from {@code since}. */
  final void time(String command, long since) {
    timed = metrics.meter(command);
    timedSince = since;
    timedFailed = false;
  }

  /** Marks the request being timed as answered with an error. */
  final void timedFailed() {
    timedFailed = true;
  }

  @Override
  protected final void requestCompleted() {
    if (timed != null) {
      timed.record(System.nanoTime() - timedSince, timedFailed);
      timed = null;
    }
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
