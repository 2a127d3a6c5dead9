package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.protocol.Stages;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.Key;
import io.sidecache.store.NotAnIntegerException;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.StoreException;
import io.sidecache.store.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
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
 * <p>Store failures become wire errors in one place ({@link #fail}). Not sharable: one instance
 * per channel, used from its event loop only; create it through {@link
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

  private static final byte[] STAT = "STAT ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] RESET = TextReplies.line("RESET");

  private static final InternalLogger logger =
      InternalLoggerFactory.getInstance(MemcachedServerHandler.class);
  private static final CompletableFuture<Long> ABSENT = CompletableFuture.completedFuture(-1L);

  private final CacheStore store;
  private final Ticker ticker;
  private final int maxItemSize;
  private final DelayedFlush delayedFlush;
  private final StatsReport report;
  private final MemcachedStats stats;

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
            maxItemSizeBytes, 1, false));
  }

  /**
   * Creates the handler of one connection that counts into a listener's statistics.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock relative exptimes are measured from, must not be {@code null}
   * @param maxItemSizeBytes the largest value in bytes, as given to the decoder
   * @param delayedFlush the listener's pending delayed {@code flush_all}, must not be {@code null}
   * @param report the listener's statistics, must not be {@code null}
   */
  MemcachedServerHandler(
      CacheStore store,
      Ticker ticker,
      int maxItemSizeBytes,
      DelayedFlush delayedFlush,
      StatsReport report) {
    super(TextRequest.class);
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

  @Override
  protected void handle(ChannelHandlerContext ctx, TextRequest request) {
    try {
      if (request.isError()) {
        answerError(request);
        return;
      }
      switch (request.verb()) {
        case GET:
          get(request, false);
          break;
        case GETS:
          get(request, true);
          break;
        case SET:
        case ADD:
        case REPLACE:
        case CAS:
          set(request);
          break;
        case APPEND:
        case PREPEND:
          concat(request);
          break;
        case DELETE:
          delete(request);
          break;
        case INCR:
        case DECR:
          arithmetic(request);
          break;
        case TOUCH:
          touch(request);
          break;
        case FLUSH_ALL:
          flushAll(request);
          break;
        case VERSION:
          reply(request, VERSION_REPLY);
          break;
        case VERBOSITY:
          reply(request, TextReplies.OK);
          break;
        case QUIT:
          closeAfterReplies();
          break;
        case STATS:
          stats(request);
          break;
        default:
          throw new IllegalStateException("verb: " + request.verb());
      }
    } catch (RuntimeException e) {
      // A store that throws instead of failing its stage.
      fail(request, e);
    }
  }

  private void answerError(TextRequest request) {
    TextError error = request.error();
    if (error == TextError.LINE_TOO_LONG) {
      closeAfterReplies();
      return;
    }
    if (error == TextError.OBJECT_TOO_LARGE && request.verb() == TextVerb.SET) {
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

  /** {@code get}/{@code gets}: every key's read combined into one stage, answered in key order. */
  private void get(TextRequest request, boolean withCas) {
    byte[][] keys = request.keys();
    if (keys.length == 1) {
      await(
          store.get(Key.of(keys[0])),
          (entry, cause) -> {
            if (cause != null) {
              fail(request, cause);
              return;
            }
            stats.get(entry != null);
            if (entry != null) {
              writeValue(keys[0], entry, withCas);
            }
            reply(request, TextReplies.END);
          });
      return;
    }
    List<CompletionStage<Entry>> reads = new ArrayList<>(keys.length);
    for (byte[] key : keys) {
      reads.add(store.get(Key.of(key)));
    }
    await(
        Stages.all(reads),
        (entries, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          for (int i = 0; i < keys.length; i++) {
            Entry entry = entries.get(i);
            stats.get(entry != null);
            if (entry != null) {
              writeValue(keys[i], entry, withCas);
            }
          }
          reply(request, TextReplies.END);
        });
  }

  /** {@code set}/{@code add}/{@code replace}/{@code cas}: one conditional write. */
  private void set(TextRequest request) {
    SetOptions.Builder options =
        SetOptions.builder()
            .flags(request.flags())
            .expiresAt(expiresAt(request.exptime(), ticker.millis()));
    switch (request.verb()) {
      case ADD:
        options.ifAbsent();
        break;
      case REPLACE:
        options.ifPresent();
        break;
      case CAS:
        options.ifCas(request.number());
        break;
      default:
        break;
    }
    stats.set();
    boolean cas = request.verb() == TextVerb.CAS;
    replyLine(
        request,
        store.set(Key.of(request.key()), request.data(), options.build()),
        result -> {
          if (cas) {
            stats.cas(result.stored(), result.outcome() == SetResult.Outcome.EXISTS);
          }
          return outcomeLine(result.outcome());
        });
  }

  private static byte[] outcomeLine(SetResult.Outcome outcome) {
    switch (outcome) {
      case STORED:
        return TextReplies.STORED;
      case NOT_STORED:
        return TextReplies.NOT_STORED;
      case EXISTS:
        return TextReplies.EXISTS;
      case NOT_FOUND:
        return TextReplies.NOT_FOUND;
      default:
        throw new IllegalStateException("outcome: " + outcome);
    }
  }

  /**
   * {@code append}/{@code prepend}: the item's flags and expiry are kept (the request's are
   * ignored, as in memcached). The size check reads the item first, so two racing appends may
   * together exceed the maximum item size; the store's own byte bound still holds.
   */
  private void concat(TextRequest request) {
    Key key = Key.of(request.key());
    byte[] part = request.data();
    boolean append = request.verb() == TextVerb.APPEND;
    stats.set();
    CompletionStage<Long> length =
        store
            .get(key)
            .thenCompose(
                entry -> {
                  if (entry == null || (long) entry.length() + part.length > maxItemSize) {
                    return ABSENT;
                  }
                  return append ? store.append(key, part, false) : store.prepend(key, part);
                });
    replyLine(
        request, length, newLength -> newLength < 0 ? TextReplies.NOT_STORED : TextReplies.STORED);
  }

  private void delete(TextRequest request) {
    replyLine(
        request,
        store.delete(Key.of(request.key())),
        deleted -> {
          stats.delete(deleted);
          return deleted ? TextReplies.DELETED : TextReplies.NOT_FOUND;
        });
  }

  /** {@code incr}/{@code decr}: unsigned 64-bit, wrapping on incr, stopping at 0 on decr. */
  private void arithmetic(TextRequest request) {
    boolean decrement = request.verb() == TextVerb.DECR;
    await(
        store.incrementUnsigned(Key.of(request.key()), request.number(), decrement),
        (value, cause) -> {
          if (cause == null) {
            stats.arithmetic(decrement, value != null);
          }
          if (cause != null) {
            fail(request, cause);
          } else if (value == null) {
            reply(request, TextReplies.NOT_FOUND);
          } else if (!request.noreply()) {
            TextReplies.writeNumberLine(buffer(), value);
            writeThroughIfLarge();
          }
        });
  }

  private void touch(TextRequest request) {
    long expiresAt = expiresAt(request.exptime(), ticker.millis());
    replyLine(
        request,
        store.expire(Key.of(request.key()), expiresAt, ExpireCondition.ALWAYS),
        existed -> {
          stats.touch(existed);
          return existed ? TextReplies.TOUCHED : TextReplies.NOT_FOUND;
        });
  }

  /** {@code flush_all [delay]}: a delay in exptime form schedules the flush, 0 or less runs it. */
  private void flushAll(TextRequest request) {
    stats.flush();
    replyLine(
        request,
        delayedFlush.flushAll(request.number(), ticker.millis(), ctx.executor()),
        ignored -> TextReplies.OK);
  }

  /**
   * {@code stats [group]}: {@code STAT <name> <value>} lines then {@code END}; {@code reset}
   * answers {@code RESET}; an unknown group {@code ERROR} (memcached {@code process_stat}).
   */
  private void stats(TextRequest request) {
    String group = request.keys().length == 0
        ? "" : new String(request.key(), java.nio.charset.StandardCharsets.US_ASCII);
    if (group.equals("reset")) {
      stats.reset();
      reply(request, RESET);
      return;
    }
    int port = ctx.channel().localAddress() instanceof java.net.InetSocketAddress address
        ? address.getPort() : 0;
    ByteBuf buf = buffer();
    int mark = buf.writerIndex();
    boolean known = report.write(group, port, (name, value) -> buffer().writeBytes(STAT)
        .writeCharSequence(name + ' ' + value + "\r\n", java.nio.charset.StandardCharsets.US_ASCII));
    if (!known) {
      buf.writerIndex(mark);
      reply(request, TextError.UNKNOWN_COMMAND.reply());
      return;
    }
    reply(request, TextReplies.END);
  }

  /** Maps a store failure to its wire error: the one place where exceptions become replies. */
  private void fail(TextRequest request, Throwable cause) {
    byte[] line;
    if (cause instanceof NotAnIntegerException) {
      line = TextReplies.NON_NUMERIC_VALUE;
    } else if (cause instanceof StoreException && cause.getMessage() != null) {
      line = TextReplies.serverError(cause.getMessage());
    } else {
      logger.warn("{}: memcached {} failed", ctx.channel(), request.verb(), cause);
      line = TextReplies.SERVER_ERROR_INTERNAL;
    }
    reply(request, line);
  }

  /** Answers {@code request} with one line derived from the stage's value, or its failure. */
  private <T> void replyLine(
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

  private void reply(TextRequest request, byte[] line) {
    if (!request.noreply()) {
      buffer().writeBytes(line);
      writeThroughIfLarge();
    }
  }

  private void writeValue(byte[] key, Entry entry, boolean withCas) {
    TextReplies.writeValueHeader(buffer(), key, entry, withCas);
    replies.writeValue(entry.value());
    buffer().writeBytes(TextReplies.CRLF);
  }

  private ByteBuf buffer() {
    return replies.buffer();
  }

  private void writeThroughIfLarge() {
    replies.writeThroughIfLarge();
  }
}
