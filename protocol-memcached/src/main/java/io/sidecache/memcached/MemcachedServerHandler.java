package io.sidecache.memcached;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.protocol.Stages;
import io.sidecache.protocol.StreamPart;
import io.sidecache.protocol.StreamedUpload;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ConcatOptions;
import io.sidecache.store.ConcatResult;
import io.sidecache.store.CounterOptions;
import io.sidecache.store.DeleteOptions;
import io.sidecache.store.Entry;
import io.sidecache.store.ExpireCondition;
import io.sidecache.store.FetchOptions;
import io.sidecache.store.FetchResult;
import io.sidecache.store.Key;
import io.sidecache.store.NotAnIntegerException;
import io.sidecache.store.OutOfSpaceException;
import io.sidecache.store.SetOptions;
import io.sidecache.store.SetResult;
import io.sidecache.store.StoreException;
import io.sidecache.store.Ticker;
import io.sidecache.store.ValueWriter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
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
  private static final byte[] STATS_DETAIL_USAGE =
      TextReplies.line("CLIENT_ERROR usage: stats detail on|off|dump");

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
    v.put(TextVerb.GET, (h, r) -> h.retrieve(r, h.store::get));
    v.put(TextVerb.GETS, v.get(TextVerb.GET));
    v.put(TextVerb.GAT, MemcachedServerHandler::getAndTouch);
    v.put(TextVerb.GATS, MemcachedServerHandler::getAndTouch);
    v.put(TextVerb.MG, MemcachedServerHandler::metaGet);
    v.put(TextVerb.MS, MemcachedServerHandler::metaSet);
    v.put(TextVerb.MD, MemcachedServerHandler::metaDelete);
    v.put(TextVerb.MA, MemcachedServerHandler::metaArithmetic);
    v.put(TextVerb.MN, (h, r) -> h.reply(r, TextReplies.MN));
    v.put(TextVerb.ME, MemcachedServerHandler::metaDebug);
    v.put(TextVerb.SET, MemcachedServerHandler::set);
    v.put(TextVerb.ADD, MemcachedServerHandler::set);
    v.put(TextVerb.REPLACE, MemcachedServerHandler::set);
    v.put(TextVerb.CAS, MemcachedServerHandler::set);
    v.put(TextVerb.APPEND, MemcachedServerHandler::concat);
    v.put(TextVerb.PREPEND, MemcachedServerHandler::concat);
    v.put(TextVerb.DELETE, MemcachedServerHandler::delete);
    v.put(TextVerb.INCR, MemcachedServerHandler::arithmetic);
    v.put(TextVerb.DECR, MemcachedServerHandler::arithmetic);
    v.put(TextVerb.TOUCH, MemcachedServerHandler::touch);
    v.put(TextVerb.FLUSH_ALL, MemcachedServerHandler::flushAll);
    v.put(TextVerb.VERSION, (h, r) -> h.reply(r, VERSION_REPLY));
    v.put(TextVerb.VERBOSITY, (h, r) -> h.reply(r, TextReplies.OK));
    v.put(TextVerb.QUIT, (h, r) -> h.closeAfterReplies());
    v.put(TextVerb.STATS, MemcachedServerHandler::stats);
    return v;
  }

  /** Returns whether the handler has a body for {@code verb}; for the table's test. */
  static boolean serves(TextVerb verb) {
    return VERBS.containsKey(verb);
  }

  /** {@code gat}/{@code gats}: a retrieval that also sets each hit's exptime. */
  private void getAndTouch(TextRequest request) {
    long expiresAt = expiresAt(request.exptime(), ticker.millis());
    retrieve(request, key -> store.getAndTouch(key, expiresAt));
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

  /**
   * {@code get}/{@code gets}/{@code gat}/{@code gats}: every key's read combined into one stage,
   * answered in key order; a long line comes in parts, each answered in turn.
   */
  private void retrieve(TextRequest request, Function<Key, CompletionStage<Entry>> read) {
    boolean withCas = request.verb() == TextVerb.GETS || request.verb() == TextVerb.GATS;
    byte[][] keys = request.keys();
    // A part of a long line that more parts follow ends without END (MemcachedTextDecoder).
    Runnable end = request.continued() ? () -> { } : () -> reply(request, TextReplies.END);
    if (keys.length == 0) {
      end.run();
      return;
    }
    CompletionStage<List<Entry>> reads;
    if (keys.length == 1) {
      reads = read.apply(Key.of(keys[0])).thenApply(java.util.Collections::singletonList);
    } else {
      List<CompletionStage<Entry>> each = new ArrayList<>(keys.length);
      for (byte[] key : keys) {
        each.add(read.apply(Key.of(key)));
      }
      reads = Stages.all(each);
    }
    await(
        reads,
        (entries, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          writeValues(keys, entries, 0, withCas, end);
        });
  }

  /**
   * Writes the {@code VALUE} items of the entries found from key {@code from} on, in key order;
   * a chunked value is streamed and the next item follows when it is done; then runs {@code end}.
   */
  private void writeValues(byte[][] keys, List<Entry> entries, int from, boolean withCas,
      Runnable end) {
    for (int i = from; i < keys.length; i++) {
      Entry entry = entries.get(i);
      stats.get(keys[i], entry != null);
      if (entry == null) {
        continue;
      }
      if (entry.isChunked()) {
        byte[] key = keys[i];
        int after = i + 1;
        Runnable next = () -> writeValues(keys, entries, after, withCas, end);
        streamValue(store, Key.of(key), entry,
            e -> TextReplies.writeValueHeader(buffer(), key, e, withCas), next, () -> {
              buffer().writeBytes(TextReplies.CRLF);
              next.run();
            });
        return;
      }
      writeValue(keys[i], entry, withCas);
    }
    end.run();
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
      replyMetaSet(start, writer.commit(metaSetOptions(start.meta())).thenApply(
          MemcachedServerHandler::concatResult));
    } else {
      store(start, writer.commit(storageOptions(start)));
    }
  }

  /** {@code set}/{@code add}/{@code replace}/{@code cas}: one conditional write. */
  private void set(TextRequest request) {
    store(request, store.set(Key.of(request.key()), request.data(), storageOptions(request)));
  }

  /** The condition, flags and expiry of a storage command (protocol.txt, "Storage commands"). */
  private SetOptions storageOptions(TextRequest request) {
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
    return options.build();
  }

  /** Answers a storage command's write, in heap or streamed. */
  private void store(TextRequest request, CompletionStage<SetResult> written) {
    stats.set(request.key());
    boolean cas = request.verb() == TextVerb.CAS;
    replyLine(
        request,
        written,
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
   * ignored, as in memcached); a result over the item size limit is not stored. One store step.
   */
  private void concat(TextRequest request) {
    stats.set(request.key());
    replyLine(
        request,
        store.concat(Key.of(request.key()), request.data(),
            ConcatOptions.memcached(request.verb() == TextVerb.PREPEND, 0, maxItemSize)),
        result -> result.stored() ? TextReplies.STORED : TextReplies.NOT_STORED);
  }

  private void delete(TextRequest request) {
    replyLine(
        request,
        store.delete(Key.of(request.key())),
        deleted -> {
          stats.delete(request.key(), deleted);
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
      report.commands().reset();
      reply(request, RESET);
      return;
    }
    if (group.equals("detail")) {
      statsDetail(request);
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

  /**
   * {@code stats detail on|off|dump} (memcached {@code process_stat_detail}): {@code OK}, or the
   * {@code PREFIX} lines and {@code END}; anything else the usage error.
   */
  private void statsDetail(TextRequest request) {
    // Words after the subcommand are ignored, as memcached does.
    String arg = request.keys().length >= 2
        ? new String(request.keys()[1], java.nio.charset.StandardCharsets.US_ASCII) : "";
    switch (arg) {
      case "on" -> {
        stats.prefixes().enabled(true);
        reply(request, TextReplies.OK);
      }
      case "off" -> {
        stats.prefixes().enabled(false);
        reply(request, TextReplies.OK);
      }
      case "dump" -> buffer().writeCharSequence(stats.prefixes().dump(),
          java.nio.charset.StandardCharsets.ISO_8859_1);
      default -> reply(request, STATS_DETAIL_USAGE);
    }
  }

  /** A meta exptime flag as an absolute time, or {@link CacheStore#NOT_SET} when not given. */
  private static long metaTime(MetaFlags flags, char flag, long exptime, long now) {
    return flags.has(flag) ? expiresAt(exptime, now) : CacheStore.NOT_SET;
  }

  /**
   * The remaining time to live in whole seconds, rounded up, or -1 without expiry (memcached meta
   * {@code t}).
   */
  private static long ttlSeconds(Entry entry, long now) {
    if (!entry.hasExpiry()) {
      return -1;
    }
    return Math.max(0, (entry.expiresAt() - now + 999) / 1000);
  }

  /**
   * {@code mg}: a hit answers {@code VA <size>} with the value ({@code v}) or {@code HD}, then the
   * return flags in request order and {@code Z}, {@code X}, {@code W} as memcached appends them;
   * a miss answers {@code EN} (suppressed by {@code q}) with only {@code O} and {@code k}.
   */
  private void metaGet(TextRequest request) {
    MetaFlags f = request.meta();
    byte[] key = request.key();
    long now = ticker.millis();
    FetchOptions options =
        new FetchOptions(
            metaTime(f, 'T', f.ttl(), now),
            metaTime(f, 'N', f.vivifyTtl(), now),
            metaTime(f, 'R', f.recacheTtl(), now),
            !f.has('u'));
    await(
        store.fetch(Key.of(key), options),
        (result, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          if (result == null) {
            metaStatus(request, TextReplies.META_EN, f.quiet());
            return;
          }
          Entry entry = result.entry();
          if (!f.has('v')) {
            metaHitHeader(f, key, result, entry, now);
            writeThroughIfLarge();
          } else if (!entry.isChunked()) {
            metaHitHeader(f, key, result, entry, now);
            writeData(entry.value());
          } else {
            streamValue(store, Key.of(key), entry, e -> metaHitHeader(f, key, result, e, now),
                () -> metaStatus(request, TextReplies.META_EN, f.quiet()),
                () -> buffer().writeBytes(TextReplies.CRLF));
          }
        });
  }

  /** The {@code VA}/{@code HD} line of an {@code mg} hit, with its return flags. */
  private void metaHitHeader(MetaFlags f, byte[] key, FetchResult result, Entry entry,
      long now) {
    ByteBuf buf = buffer();
    if (f.has('v')) {
      buf.writeBytes(TextReplies.META_VA);
      TextReplies.writeUnsignedDecimal(buf, entry.length());
    } else {
      buf.writeBytes(TextReplies.META_HD);
    }
    metaReturn.clear().size(entry.length()).ttl(ttlSeconds(entry, now)).cas(entry.cas())
        .clientFlags(entry.flags() & 0xFFFF_FFFFL)
        .lastAccess(Entry.secondsSinceAccess(result.accessBefore(), now))
        .hit(Entry.isFetched(result.accessBefore()))
        .write(buf, key, f);
    if (result.tokenAlreadySent()) {
      buf.writeBytes(TextReplies.META_Z);
    }
    if (entry.isStale()) {
      buf.writeBytes(TextReplies.META_X);
    }
    if (result.won()) {
      buf.writeBytes(TextReplies.META_W);
    }
    buf.writeBytes(TextReplies.CRLF);
  }

  /**
   * Writes a status line made of {@code status} and the echoed {@code O}/{@code k} flags, unless
   * {@code suppress} (the request's {@code q} applied to a nominal status).
   */
  private void metaStatus(TextRequest request, byte[] status, boolean suppress) {
    if (suppress) {
      return;
    }
    ByteBuf buf = buffer();
    buf.writeBytes(status);
    metaReturn.clear().write(buf, request.key(), request.meta());
    buf.writeBytes(TextReplies.CRLF);
    writeThroughIfLarge();
  }

  /**
   * {@code ms}: mode {@code S} (set, default), {@code E} (add), {@code R} (replace), {@code A}
   * (append), {@code P} (prepend); {@code C} turns set and replace into compare-and-swap, with
   * {@code I} a compare against an older CAS stores the value as stale. Answers {@code HD}
   * (suppressed by {@code q}), {@code NS}, {@code EX} or {@code NF}, with {@code O}, {@code k} and
   * {@code c} (the new CAS, 0 when nothing was stored) in request order.
   */
  private void metaSet(TextRequest request) {
    MetaFlags f = request.meta();
    Key key = Key.of(request.key());
    byte mode = f.mode();
    CompletionStage<ConcatResult> write;
    if (mode == 'A' || mode == 'P') {
      // The item's flags and expiry are kept; with C its CAS must match (one store operation).
      write = store.concat(key, request.data(),
          ConcatOptions.memcached(mode == 'P', f.has('C') ? f.compareCas() : 0, maxItemSize));
    } else {
      write = store.set(key, request.data(), metaSetOptions(f))
          .thenApply(MemcachedServerHandler::concatResult);
    }
    replyMetaSet(request, write);
  }

  /** The write an {@code ms} in mode set, add or replace makes (protocol.txt, "Meta Set"). */
  private SetOptions metaSetOptions(MetaFlags f) {
    SetOptions.Builder options =
        SetOptions.builder()
            .flags(f.clientFlags())
            .expiresAt(f.has('T') ? expiresAt(f.ttl(), ticker.millis()) : Entry.NO_EXPIRY);
    byte mode = f.mode();
    if (mode == 'E') {
      options.ifAbsent();
    } else if (f.has('C')) {
      options.ifCas(f.compareCas());
      if (f.has('I')) {
        options.staleIfCasOlder();
      }
    } else if (mode == 'R') {
      options.ifPresent();
    }
    return options.build();
  }

  /** A set's outcome with the new CAS, in the shape an append's has. */
  private static ConcatResult concatResult(SetResult r) {
    return new ConcatResult(r.outcome(), 0, r.current() == null ? 0 : r.current().cas());
  }

  /** Answers an {@code ms}: the status and its return flags. */
  private void replyMetaSet(TextRequest request, CompletionStage<ConcatResult> write) {
    MetaFlags f = request.meta();
    await(
        write,
        (result, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          SetResult.Outcome outcome = result.outcome();
          if (outcome == SetResult.Outcome.STORED && f.quiet()) {
            return;
          }
          ByteBuf buf = buffer();
          buf.writeBytes(metaOutcome(outcome));
          metaReturn.clear().cas(result.cas()).write(buf, request.key(), f);
          buf.writeBytes(TextReplies.CRLF);
          writeThroughIfLarge();
        });
  }

  private static byte[] metaOutcome(SetResult.Outcome outcome) {
    switch (outcome) {
      case STORED:
        return TextReplies.META_HD;
      case NOT_STORED:
        return TextReplies.META_NS;
      case EXISTS:
        return TextReplies.META_EX;
      case NOT_FOUND:
        return TextReplies.META_NF;
      default:
        throw new IllegalStateException("outcome: " + outcome);
    }
  }

  /**
   * {@code md}: delete, only if {@code C} matches; with {@code I} mark the item stale (and give it
   * the {@code T} exptime) instead. {@code HD} (suppressed by {@code q}), {@code NF}, {@code EX}.
   */
  private void metaDelete(TextRequest request) {
    MetaFlags f = request.meta();
    DeleteOptions options =
        new DeleteOptions(
            f.has('C'),
            f.compareCas(),
            f.has('I'),
            f.has('I') ? metaTime(f, 'T', f.ttl(), ticker.millis()) : CacheStore.NOT_SET);
    await(
        store.delete(Key.of(request.key()), options),
        (outcome, cause) -> {
          if (cause != null) {
            fail(request, cause);
          } else {
            metaStatus(
                request,
                metaOutcome(outcome),
                outcome == SetResult.Outcome.STORED && f.quiet());
          }
        });
  }

  /**
   * {@code ma}: incr (mode {@code I}/{@code +}, default) or decr ({@code D}/{@code -}) by {@code D}
   * (default 1); {@code N} creates a missing counter at {@code J}; {@code C} compares the CAS;
   * {@code T} sets a new exptime on success. Answers {@code HD} or, with {@code v}, {@code VA} and
   * the value (both suppressed by {@code q}), with {@code c}, {@code t}, {@code O}, {@code k} in
   * request order; {@code NF} or {@code EX} with {@code O} and {@code k}.
   */
  private void metaArithmetic(TextRequest request) {
    MetaFlags f = request.meta();
    long now = ticker.millis();
    CounterOptions options =
        new CounterOptions(
            f.has('C'),
            f.compareCas(),
            metaTime(f, 'N', f.vivifyTtl(), now),
            f.initial(),
            metaTime(f, 'T', f.ttl(), now));
    boolean decrement = f.mode() == 'D' || f.mode() == '-';
    await(
        store.incrementUnsigned(Key.of(request.key()), f.delta(), decrement, options),
        (result, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          if (result.outcome() != SetResult.Outcome.STORED) {
            metaStatus(request, metaOutcome(result.outcome()), false);
            return;
          }
          if (f.quiet()) {
            return;
          }
          byte[] value = result.entry().value();
          ByteBuf buf = buffer();
          if (f.has('v')) {
            buf.writeBytes(TextReplies.META_VA);
            TextReplies.writeUnsignedDecimal(buf, value.length);
          } else {
            buf.writeBytes(TextReplies.META_HD);
          }
          metaReturn.clear().cas(result.entry().cas()).ttl(ttlSeconds(result.entry(), now))
              .write(buf, request.key(), f);
          buf.writeBytes(TextReplies.CRLF);
          if (f.has('v')) {
            buf.writeBytes(value).writeBytes(TextReplies.CRLF);
          }
          writeThroughIfLarge();
        });
  }

  /**
   * {@code me}: {@code ME <key> exp=<e> la=<s> cas=<cas> fetch=<yes|no>} for a live item, without
   * recording an access; {@code EN} otherwise. {@code exp} is memcached's: -1 without expiry,
   * otherwise now minus the expiry time (negative while the item lives). memcached also prints its
   * slab class and item size in its own memory layout ({@code cls=}, {@code size=}), which have
   * no counterpart here and are left out.
   */
  private void metaDebug(TextRequest request) {
    long now = ticker.millis();
    await(
        store.fetch(Key.of(request.key()), FetchOptions.PEEK),
        (result, cause) -> {
          if (cause != null) {
            fail(request, cause);
            return;
          }
          if (result == null) {
            reply(request, TextReplies.META_EN_LINE);
            return;
          }
          Entry entry = result.entry();
          ByteBuf buf = buffer();
          buf.writeBytes(TextReplies.META_ME);
          buf.writeBytes(
              request.meta().base64Key()
                  ? java.util.Base64.getEncoder().encode(request.key())
                  : request.key());
          buf.writeBytes(TextReplies.META_EXP);
          if (entry.hasExpiry()) {
            buf.writeByte('-');
            TextReplies.writeUnsignedDecimal(buf, ttlSeconds(entry, now));
          } else {
            buf.writeByte('-').writeByte('1');
          }
          buf.writeBytes(TextReplies.META_LA);
          TextReplies.writeUnsignedDecimal(
              buf, Entry.secondsSinceAccess(result.accessBefore(), now));
          buf.writeBytes(TextReplies.META_CAS);
          TextReplies.writeUnsignedDecimal(buf, entry.cas());
          buf.writeBytes(
              Entry.isFetched(result.accessBefore())
                  ? TextReplies.META_FETCH_YES
                  : TextReplies.META_FETCH_NO);
          writeThroughIfLarge();
        });
  }

  /** Maps a store failure to its wire error: the one place where exceptions become replies. */
  private void fail(TextRequest request, Throwable cause) {
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
    writeData(entry.value());
  }

  /** Writes a value and its {@code \r\n}, without copying a large value. */
  private void writeData(byte[] value) {
    replies.writeValue(value);
    buffer().writeBytes(TextReplies.CRLF);
  }

  private ByteBuf buffer() {
    return replies.buffer();
  }

  private void writeThroughIfLarge() {
    replies.writeThroughIfLarge();
  }
}
