package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.protocol.StreamPart;
import io.sidecache.protocol.StreamedUpload;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.NotAnIntegerException;
import io.sidecache.store.OutOfSpaceException;
import io.sidecache.store.StoreException;
import io.sidecache.store.Ticker;
import io.sidecache.store.ValueWriter;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Runs decoded memcached text requests ({@link TextRequest}) against a {@link CacheStore} and
 * writes memcached 1.6's replies (protocol.txt; exact bytes checked against memcached 1.6.18).
 *
 * <p>Replies of one read batch accumulate in one {@link ReplyBuffer}, written and flushed once in
 * {@link #flushReplies}, with the back-pressure of {@link PipelinedRequestHandler}.
 *
 * <p>Wire rules applied here rather than in the decoder:
 *
 * <ul>
 *   <li>exptime (protocol.txt, "Expiration times"): 0 never expires; 1 to 2592000 (30 days) is
 *       seconds from now as read from the {@link Ticker}; larger is a Unix time in seconds; a
 *       negative value means already expired (the write succeeds, the item is invisible);
 *   <li>{@code noreply}: no reply at all, errors included, as memcached's {@code out_string};
 *   <li>a {@code set} refused as too large removes the key's current item, as memcached does;
 *   <li>{@code append}/{@code prepend} that would make the item larger than the maximum item size
 *       answer {@code NOT_STORED}, as memcached does;
 *   <li>{@code flush_all <delay>} flushes when the delay ends (exptime rules again), replacing any
 *       delayed flush pending on the listener.
 * </ul>
 *
 * <p>The handler is the connection: it dispatches each verb through a table to its body in {@link
 * TextCommands} or {@link MetaCommands}, as RESP's command table does, runs streamed uploads,
 * and owns the reply buffer. Store failures become wire errors in one place ({@link #fail}).
 * Not sharable: one instance per channel, used from its event loop only; create it through {@link
 * MemcachedServerInitializer}.
 */
public final class MemcachedServerHandler extends MemcachedRequestHandler<TextRequest> {
  /** The longest exptime that counts as relative, in seconds (30 days, protocol.txt). */
  static final long MAX_RELATIVE_EXPTIME_SECONDS = 2_592_000;

  /** An absolute expiry in the past, in milliseconds since the epoch: stored, never visible. */
  static final long ALREADY_EXPIRED = 1;

  /** The version Sidecache reports: the memcached release whose behaviour it follows. */
  static final String VERSION = "1.6.21-sidecache";

  /** The reply to {@code version}. */
  static final byte[] VERSION_REPLY = TextReplies.line("VERSION " + VERSION);

  private static final InternalLogger logger =
      InternalLoggerFactory.getInstance(MemcachedServerHandler.class);

  private final CacheStore store;
  private final Ticker ticker;
  private final int maxItemSize;
  private final DelayedFlush delayedFlush;
  private final StatsReport report;
  private final MemcachedStats stats;
  /** The return flags of the meta reply being written (one at a time, on the event loop). */
  private final MetaReturn metaReturn = new MetaReturn();

  private ChannelHandlerContext ctx;

  /**
   * Creates the handler of one connection.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock relative exptimes are measured from, must not be {@code null}
   * @param maxItemSizeBytes the largest value in bytes, as given to the decoder
   * @param delayedFlush the listener's pending delayed {@code flush_all}, must not be {@code null}
   */
  MemcachedServerHandler(
      CacheStore store, Ticker ticker, int maxItemSizeBytes, DelayedFlush delayedFlush) {
    this(store, ticker, maxItemSizeBytes, delayedFlush,
        new StatsReport(new MemcachedStats(ticker.millis()), store, ticker,
            maxItemSizeBytes, 1, false, CommandMetrics.unregistered("memcached")), null);
  }

  /**
   * Creates the handler of one connection that counts into a listener's statistics.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock relative exptimes are measured from, must not be {@code null}
   * @param maxItemSizeBytes the largest value in bytes, as given to the decoder
   * @param delayedFlush the listener's pending delayed {@code flush_all}, must not be {@code null}
   * @param report the listener's statistics, must not be {@code null}
   * @param gate the node's gate for exclusive sections (Redis {@code EXEC}), or {@code null}
   */
  MemcachedServerHandler(
      CacheStore store,
      Ticker ticker,
      int maxItemSizeBytes,
      DelayedFlush delayedFlush,
      StatsReport report,
      CommandGate gate) {
    super(TextRequest.class, gate, report.commands());
    this.store = store;
    this.ticker = ticker;
    this.maxItemSize = maxItemSizeBytes;
    this.delayedFlush = delayedFlush;
    this.report = report;
    this.stats = report.stats();
  }

  /**
   * Turns a memcached exptime into an absolute expiry (protocol.txt, "Expiration times").
   *
   * @param exptime the exptime as sent, in seconds
   * @param nowMillis the current time in milliseconds since the epoch
   * @return the expiry in milliseconds since the epoch: {@link Entry#NO_EXPIRY} for 0, {@link
   *     #ALREADY_EXPIRED} for a negative exptime
   */
  static long expiresAt(long exptime, long nowMillis) {
    if (exptime == 0) {
      return Entry.NO_EXPIRY;
    }
    if (exptime < 0) {
      return ALREADY_EXPIRED;
    }
    if (exptime <= MAX_RELATIVE_EXPTIME_SECONDS) {
      return nowMillis + exptime * 1000;
    }
    return exptime * 1000;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    super.handlerAdded(ctx);
    this.ctx = ctx;
  }

  // A storage command whose data block streams in: its store writer (the base class feeds it) and
  // its request.
  private ValueWriter writer;
  private TextRequest uploadStart;
  private long uploadSince;

  @Override
  protected void handle(ChannelHandlerContext ctx, TextRequest request) {
    try {
      if (request.streamed() == TextRequest.STREAM_END) {
        if (uploadStart != null) {
          time(uploadStart.verb().label(), uploadSince); // from the command line's arrival
        }
        finishUpload(request);
        return;
      }
      if (request.streamed() >= 0) {
        uploadSince = System.nanoTime(); // timed when its data block has arrived and is stored
        writer = store.writer(Key.of(request.key()), request.streamed());
        uploadStart = request;
        beginUpload(writer::write, writer::abort);
        return;
      }
      time(request.verb() == null ? "unknown" : request.verb().label());
      if (request.isError()) {
        timedFailed();
        answerError(request);
        return;
      }
      VERBS.get(request.verb()).accept(this, request);
    } catch (RuntimeException e) {
      // A store that throws instead of failing its stage.
      fail(request, e);
    }
  }

  /**
   * The body of each text and meta verb, as RESP's command table holds each command's body: the
   * decoder has parsed the line and checked its word count ({@link TextVerb}); the body runs the
   * command and writes or awaits its reply. Every verb has one (MemcachedServerHandlerTest).
   */
  private static final Map<TextVerb, BiConsumer<MemcachedServerHandler, TextRequest>> VERBS =
      verbs();

  private static Map<TextVerb, BiConsumer<MemcachedServerHandler, TextRequest>> verbs() {
    Map<TextVerb, BiConsumer<MemcachedServerHandler, TextRequest>> v =
        new EnumMap<>(TextVerb.class);
    v.put(TextVerb.GET, (h, r) -> TextCommands.retrieve(h, r, h.store::get));
    v.put(TextVerb.GETS, v.get(TextVerb.GET));
    v.put(TextVerb.GAT, TextCommands::getAndTouch);
    v.put(TextVerb.GATS, TextCommands::getAndTouch);
    v.put(TextVerb.MG, MetaCommands::get);
    v.put(TextVerb.MS, MetaCommands::set);
    v.put(TextVerb.MD, MetaCommands::delete);
    v.put(TextVerb.MA, MetaCommands::arithmetic);
    v.put(TextVerb.MN, (h, r) -> h.reply(r, TextReplies.MN));
    v.put(TextVerb.ME, MetaCommands::debug);
    v.put(TextVerb.SET, TextCommands::set);
    v.put(TextVerb.ADD, TextCommands::set);
    v.put(TextVerb.REPLACE, TextCommands::set);
    v.put(TextVerb.CAS, TextCommands::set);
    v.put(TextVerb.APPEND, TextCommands::concat);
    v.put(TextVerb.PREPEND, TextCommands::concat);
    v.put(TextVerb.DELETE, TextCommands::delete);
    v.put(TextVerb.INCR, TextCommands::arithmetic);
    v.put(TextVerb.DECR, TextCommands::arithmetic);
    v.put(TextVerb.TOUCH, TextCommands::touch);
    v.put(TextVerb.FLUSH_ALL, TextCommands::flushAll);
    v.put(TextVerb.VERSION, (h, r) -> h.reply(r, VERSION_REPLY));
    v.put(TextVerb.VERBOSITY, (h, r) -> h.reply(r, TextReplies.OK));
    v.put(TextVerb.QUIT, (h, r) -> h.closeAfterReplies());
    v.put(TextVerb.STATS, TextCommands::stats);
    return v;
  }

  /** Returns whether the handler has a body for {@code verb}; for the table's test. */
  static boolean serves(TextVerb verb) {
    return VERBS.containsKey(verb);
  }

  private void answerError(TextRequest request) {
    TextError error = request.error();
    if (error == TextError.LINE_TOO_LONG || error == TextError.HTTP_REQUEST_LINE) {
      closeAfterReplies();
      return;
    }
    if (error == TextError.OBJECT_TOO_LARGE
        && (request.verb() == TextVerb.SET || request.verb() == TextVerb.MS)) {
      // memcached unlinks the current item so that a refused set leaves no stale value.
      await(
          store.delete(Key.of(request.key())),
          (deleted, cause) -> {
            if (cause != null) {
              fail(request, cause);
            } else {
              reply(request, error.reply());
            }
          });
      return;
    }
    reply(request, error.reply());
  }

  @Override
  protected void handlePart(ChannelHandlerContext ctx, StreamPart part) {
    feed(part.content());
  }

  /** The end of a streamed data block: the write commits, or is abandoned on a bad block. */
  private void finishUpload(TextRequest end) {
    StreamedUpload upload = endUpload();
    ValueWriter writer = this.writer;
    TextRequest start = uploadStart;
    this.writer = null;
    uploadStart = null;
    if (upload == null) {
      return;
    }
    if (end.isError()) {
      timedFailed();
      upload.abort();
      answerError(end);
    } else if (upload.failure() != null) {
      fail(start, upload.failure());
    } else if (start.verb() == TextVerb.MS) {
      MetaCommands.replySet(this, start, writer.commit(
          MetaCommands.setOptions(this, start.meta())).thenApply(MetaCommands::concatResult));
    } else {
      TextCommands.store(this, start, writer.commit(TextCommands.storageOptions(this, start)));
    }
  }

  // What the command bodies (TextCommands, MetaCommands) use of the connection.

  CacheStore store() {
    return store;
  }

  Ticker ticker() {
    return ticker;
  }

  MemcachedStats stats() {
    return stats;
  }

  StatsReport report() {
    return report;
  }

  /** The largest value in bytes, as the decoder enforces it. */
  int maxItemSize() {
    return maxItemSize;
  }

  DelayedFlush delayedFlush() {
    return delayedFlush;
  }

  /** The connection's event loop, for a delayed {@code flush_all}. */
  io.netty.util.concurrent.EventExecutor executor() {
    return ctx.executor();
  }

  /** The port the client connected to, 0 for a Unix socket; for {@code stats}. */
  int localPort() {
    return ctx.channel().localAddress() instanceof java.net.InetSocketAddress address
        ? address.getPort() : 0;
  }

  /** The return flags of the meta reply being written (one at a time, on the event loop). */
  MetaReturn metaReturn() {
    return metaReturn;
  }

  /** {@link #await} for the command bodies: continues the request when {@code stage} is done. */
  <T> void whenDone(CompletionStage<T> stage, BiConsumer<? super T, ? super Throwable> then) {
    await(stage, then);
  }

  /** Maps a store failure to its wire error: the one place where exceptions become replies. */
  void fail(TextRequest request, Throwable cause) {
    timedFailed();
    byte[] line;
    if (cause instanceof NotAnIntegerException) {
      line = TextReplies.NON_NUMERIC_VALUE;
    } else if (cause instanceof OutOfSpaceException) {
      line = TextReplies.serverError("out of memory storing object"); // memcached's wording
    } else if (cause instanceof StoreException && cause.getMessage() != null) {
      line = TextReplies.serverError(cause.getMessage());
    } else {
      logger.warn("{}: memcached {} failed", ctx.channel(), request.verb(), cause);
      line = TextReplies.SERVER_ERROR_INTERNAL;
    }
    reply(request, line);
  }

  /** Answers {@code request} with one line derived from the stage's value, or its failure. */
  <T> void replyLine(
      TextRequest request, CompletionStage<T> stage, Function<? super T, byte[]> line) {
    await(
        stage,
        (value, cause) -> {
          if (cause != null) {
            fail(request, cause);
          } else {
            reply(request, line.apply(value));
          }
        });
  }

  void reply(TextRequest request, byte[] line) {
    if (!request.noreply()) {
      buffer().writeBytes(line);
      writeThroughIfLarge();
    }
  }

  void writeValue(byte[] key, Entry entry, boolean withCas) {
    TextReplies.writeValueHeader(buffer(), key, entry, withCas);
    writeData(entry.value());
  }

  /** Writes a value and its {@code \r\n}, without copying a large value. */
  void writeData(byte[] value) {
    replies.writeValue(value);
    buffer().writeBytes(TextReplies.CRLF);
  }

  ByteBuf buffer() {
    return replies.buffer();
  }

  void writeThroughIfLarge() {
    replies.writeThroughIfLarge();
  }
}
