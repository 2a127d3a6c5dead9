package io.sidecache.resp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.EventExecutor;
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.protocol.StreamPart;
import io.sidecache.protocol.StreamedUpload;
import io.sidecache.store.IncrementOverflowException;
import io.sidecache.store.CrossSlotException;
import io.sidecache.store.OutOfSpaceException;
import io.sidecache.store.StoreUnavailableException;
import io.sidecache.store.NotAFloatException;
import io.sidecache.store.NotAnIntegerException;
import io.sidecache.store.NotFiniteException;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.SetOptions;
import io.sidecache.store.ValueWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs RESP requests: looks the command up in the table, checks arity (and resolves the
 * subcommand of a container command), checks authentication, queues the command inside {@code
 * MULTI} or runs the body, and turns every failure into Redis 7's error reply here, in one place.
 * Replies keep request order (see {@link PipelinedRequestHandler}).
 *
 * <p>Not sharable: one instance per connection.
 */
public final class RespServerHandler extends PipelinedRequestHandler<RespRequest> {
  private static final Logger log = LoggerFactory.getLogger(RespServerHandler.class);
  private static final byte[] INVALIDATE = "invalidate".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] MESSAGE = "message".getBytes(StandardCharsets.US_ASCII);
  /** The channel a RESP2 connection subscribes to for the invalidations redirected to it. */
  private static final byte[] INVALIDATE_CHANNEL =
      "__redis__:invalidate".getBytes(StandardCharsets.US_ASCII);
  /**
   * The most invalidated keys that wait for one connection; past it they collapse into one
   * "invalidate everything". Other messages are bounded by their bytes ({@link
   * #PUSH_OUTPUT_LIMIT}): past it the connection is closed.
   */
  private static final int MAX_PENDING_KEYS = 65_536;
  /**
   * The most unsent bytes a subscriber, or a broadcast tracker, may leave before it is closed:
   * Redis's default {@code client-output-buffer-limit pubsub 32mb} hard limit. Their messages
   * come unasked, without bound. Other connections need no such limit: replies wait for the
   * client to read (reading stops meanwhile), and default-mode invalidations are one per key the
   * client read.
   */
  private static final long PUSH_OUTPUT_LIMIT = 32L << 20;
  private static final byte[] TRACKING_REDIR_BROKEN =
      "tracking-redir-broken".getBytes(StandardCharsets.US_ASCII);

  private static final String NOAUTH = "NOAUTH Authentication required.";

  private final RespServerContext context;
  private ChannelHandlerContext ctx;
  private RespReply reply;
  private RespSession session;
  // The request being handled, for its metrics: when it started, whether it failed, whether its
  // reply waits for a stage (then the continuation records it).
  private long requestStart;
  private boolean requestFailed;
  private boolean requestPending;
  private CommandMetrics.Meter requestMeter;
  // A SET whose value streams in (RespRequest.Kind): its store writer (the base class feeds it),
  // or the array its value is gathered in (inside MULTI).
  private ValueWriter writer;
  private byte[] gathered;
  private int gatheredLength;
  /**
   * Default mode's invalidations waiting to be sent ({@link #invalidate}); its monitor guards the
   * pending state below.
   */
  private final List<Key> invalidations = new ArrayList<>();
  /** Broadcast mode's, by prefix, in prefix order. */
  private final TreeMap<byte[], Set<Key>> broadcastInvalidations =
      new TreeMap<>(Arrays::compareUnsigned);
  /** Other out-of-band messages ({@link #push}), in order. */
  private final List<Consumer<RespReply>> pushes = new ArrayList<>();
  private int pendingKeys;
  private long pendingPushBytes;
  private boolean invalidateAll;
  private boolean overflowed;
  private boolean invalidationScheduled;
  /** Whether any message waits; read without the lock after each request. */
  private volatile boolean invalidationsPending;

  /**
   * Creates the handler of one connection.
   *
   * @param context the shared server state
   */
  public RespServerHandler(RespServerContext context) {
    super(RespRequest.class, context.gate());
    this.context = context;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    super.handlerAdded(ctx);
    this.ctx = ctx;
    reply = new RespReply(ctx.alloc());
    session = new RespSession(this, context, reply, ctx.channel());
    context.register(session);
  }

  EventExecutor executor() {
    return ctx.executor();
  }

  @Override
  protected void handle(ChannelHandlerContext ctx, RespRequest request) {
    switch (request.kind()) {
      case STREAM_START -> startUpload(request);
      case STREAM_END -> finishUpload(request);
      default -> handleCommand(request);
    }
    reply.flushIfLarge(ctx);
  }

  /**
   * A {@code SET} whose value streams in: into a store writer, or, inside {@code MULTI} (the
   * command is queued whole) into one array; without authentication it is only skipped.
   */
  private void startUpload(RespRequest request) {
    byte[][] args = request.args();
    boolean refused = !session.authenticated() || session.inRespTwoPubSubMode();
    if (refused || session.transaction() != null) {
      // Refused (NOAUTH, or Pub/Sub mode): the value is skipped and the command answered at its
      // end by handleCommand; queued by MULTI: gathered whole.
      writer = null;
      gathered = refused ? null : new byte[(int) request.length()];
      gatheredLength = 0;
      return;
    }
    writer = session.store().writer(Key.of(args[1]), request.length());
    beginUpload(writer::write, writer::abort);
  }

  @Override
  protected void handlePart(ChannelHandlerContext ctx, StreamPart streamPart) {
    ByteBuf part = streamPart.content();
    if (gathered != null) {
      int n = part.readableBytes();
      part.readBytes(gathered, gatheredLength, n);
      gatheredLength += n;
    } else {
      feed(part);
    }
  }

  private void finishUpload(RespRequest request) {
    byte[][] args = request.args();
    StreamedUpload upload = endUpload();
    ValueWriter writer = this.writer;
    this.writer = null;
    if (upload == null) {
      if (gathered != null) {
        args[2] = gathered;
      }
      gathered = null;
      handleCommand(RespRequest.of(args)); // NOAUTH, or queued by MULTI with its value whole
      return;
    }
    RespCommand set = context.commands().lookup(args[0]);
    session.touch(set.fullName());
    long start = System.nanoTime();
    requestStart = start;
    requestMeter = context.meter(set);
    requestFailed = false;
    requestPending = false;
    try {
      Throwable failure = upload.failure();
      if (failure != null) {
        throw failure instanceof RuntimeException re ? re : new IllegalStateException(failure);
      }
      SetOptions options = StringCommands.setOptions(session, args);
      StringCommands.replySet(session, Key.of(args[1]), writer.commit(options),
          options.returnPrevious());
    } catch (RuntimeException e) {
      upload.abort();
      writeError(e);
    }
    if (!requestPending) {
      requestMeter.record(System.nanoTime() - start, requestFailed);
    }
    session.afterCommand(set);
  }

  private void abortUpload() {
    StreamedUpload upload = endUpload();
    if (upload != null) {
      upload.abort();
    }
    writer = null;
    gathered = null;
  }

  private void handleCommand(RespRequest request) {
    RespCommand command = null;
    try {
      command = dispatchCommand(request);
    } finally {
      session.afterCommand(command);
    }
  }

  /** Resolves, checks and queues or runs a command; returns it, or {@code null} when unknown. */
  private RespCommand dispatchCommand(RespRequest request) {
    if (request.protocolError() != null) {
      abortUpload();
      reply.error("ERR Protocol error: " + request.protocolError());
      closeAfterReplies();
      return null;
    }
    long start = System.nanoTime();
    byte[][] args = request.args();
    RespCommand command = resolve(args);
    Transaction transaction = session.transaction();
    if (command == null) {
      if (transaction != null) {
        transaction.doom();
      }
    } else if (!session.authenticated() && !command.noAuth()) {
      context.meter(command).reject();
      reply.error(NOAUTH);
      if (transaction != null) {
        transaction.doom();
      }
    } else if (session.inRespTwoPubSubMode() && !command.allowedSubscribed()) {
      context.meter(command).reject();
      reply.error("ERR Can't execute '" + command.fullName() + "': only (P|S)SUBSCRIBE /"
          + " (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
    } else if (transaction != null && !command.controlsTransaction()) {
      // Redis 7.0 queueMultiCommand: arguments are kept for EXEC; the request is released.
      transaction.queue(command, args);
      reply.simple("QUEUED");
    } else {
      session.touch(command.fullName());
      run(command, args, start);
    }
    return command;
  }

  /**
   * Runs a command's body and records it: at once when its reply is written, or when the stage
   * its reply waits for completes.
   */
  private void run(RespCommand command, byte[][] args, long start) {
    CommandMetrics.Meter meter = context.meter(command);
    requestStart = start;
    requestMeter = meter;
    requestFailed = false;
    requestPending = false;
    try {
      session.beforeCommand(command, args);
      command.body().execute(session, args);
    } catch (RuntimeException e) {
      writeError(e);
    }
    if (!requestPending) {
      meter.record(System.nanoTime() - start, requestFailed);
    }
  }

  /**
   * Runs a command queued by MULTI inside EXEC, recording it like {@link #run}; the state of the
   * EXEC request around it is kept.
   */
  void runQueued(RespCommand command, byte[][] args) {
    long start = requestStart;
    boolean failed = requestFailed;
    boolean pending = requestPending;
    CommandMetrics.Meter meter = requestMeter;
    try {
      run(command, args, System.nanoTime());
    } finally {
      requestStart = start;
      requestFailed = failed;
      requestPending = pending;
      requestMeter = meter;
    }
  }

  /** Finds the command (or subcommand) and checks its arity; answers the error when it fails. */
  private RespCommand resolve(byte[][] args) {
    RespCommand command = context.commands().lookup(args[0]);
    if (command == null) {
      context.meter(null).reject();
      reply.error(unknownCommand(args));
      return null;
    }
    if (!command.subcommands().isEmpty() && (args.length >= 2 || command.body() == null)) {
      if (args.length < 2) {
        context.meter(command).reject();
        reply.error(wrongArity(command));
        return null;
      }
      RespCommand sub = command.subcommand(args[1]);
      if (sub == null) {
        context.meter(command).reject();
        reply.error(
            "ERR unknown subcommand '" + truncate(args[1], 128) + "'. Try "
                + command.name().toUpperCase(java.util.Locale.ROOT) + " HELP.");
        return null;
      }
      command = sub;
    }
    if (!command.acceptsArgumentCount(args.length)) {
      context.meter(command).reject();
      reply.error(wrongArity(command));
      return null;
    }
    return command;
  }

  private static String wrongArity(RespCommand command) {
    return "ERR wrong number of arguments for '" + command.fullName() + "' command";
  }

  /** Redis 7.0 {@code processCommand}: the name and the first arguments, 128 bytes at most. */
  private static String unknownCommand(byte[][] args) {
    StringBuilder sb = new StringBuilder("ERR unknown command '")
        .append(truncate(args[0], 128))
        .append("', with args beginning with: ");
    int argsLength = 0;
    for (int i = 1; i < args.length && argsLength < 128; i++) {
      String arg = truncate(args[i], 128 - argsLength);
      sb.append('\'').append(arg).append("' ");
      argsLength += arg.length() + 3;
    }
    return sb.toString();
  }

  private static String truncate(byte[] b, int max) {
    return new String(b, 0, Math.min(b.length, max), StandardCharsets.ISO_8859_1);
  }

  <T> void replyWhenDone(CompletionStage<T> stage, BiConsumer<RespReply, ? super T> writer) {
    if (stage.toCompletableFuture().isDone()) {
      await(stage, (value, cause) -> write(value, cause, writer));
      return;
    }
    requestPending = true;
    CommandMetrics.Meter meter = requestMeter;
    long start = requestStart;
    await(
        stage,
        (value, cause) -> {
          requestFailed = false;
          write(value, cause, writer);
          meter.record(System.nanoTime() - start, requestFailed);
        });
  }

  private <T> void write(T value, Throwable cause, BiConsumer<RespReply, ? super T> writer) {
    if (cause != null) {
      writeError(cause);
    } else {
      writer.accept(reply, value);
    }
  }

  /**
   * Writes the values of entries read for {@code keys} as bulk strings ({@code $-1} for a missing
   * one), from element {@code from} on: a value in heap is copied into the reply, a chunked one is
   * streamed (its header, its chunks as the client takes them, {@code \r\n}) and the next
   * element follows when it is done. Not for commands queued by MULTI (their replies must be
   * whole; see {@link RespSession#replyValues}).
   *
   * @param keys the keys, as the entries
   * @param entries the entries read, {@code null} for a missing key
   * @param from the first element to write
   */
  void bulks(List<Key> keys, List<Entry> entries, int from) {
    for (int i = from; i < entries.size(); i++) {
      Entry e = entries.get(i);
      if (e != null && e.isChunked()) {
        int next = i + 1;
        streamBulk(keys.get(i), e, 0, -1, reply::nullBulk, () -> bulks(keys, entries, next));
        return;
      }
      reply.bulk(e == null ? null : e.value());
    }
  }

  /**
   * Writes one entry's value as {@link #bulks} writes each of its elements.
   *
   * @param key the key the entry was read under
   * @param e the entry read, {@code null} for a missing key
   */
  void bulk(Key key, Entry e) {
    if (e != null && e.isChunked()) {
      streamBulk(key, e, 0, -1, reply::nullBulk, () -> { });
    } else {
      reply.bulk(e == null ? null : e.value());
    }
  }

  /**
   * Streams a range of a chunked value as a bulk string, then runs {@code then}.
   *
   * @param key the key the entry was read under
   * @param e the chunked entry
   * @param start the first byte, as GETRANGE's
   * @param end the last byte, as GETRANGE's
   * @param miss writes the reply when the value turned out to have lost a chunk
   * @param then continues the reply; not run when the connection was closed part-way
   */
  void streamBulk(Key key, Entry e, long start, long end, Runnable miss, Runnable then) {
    await(context.store().read(key, e, start, end), (reader, cause) -> {
      if (cause != null) {
        writeError(cause);
        then.run();
        return;
      }
      if (reader == null) {
        miss.run();
        then.run();
        return;
      }
      reply.bulkHeader(reader.length());
      stream(reader::next, failure -> {
        reader.close();
        if (failure == null) {
          reply.crlf();
          then.run();
        }
      });
    });
  }

  void closeWhenFlushed() {
    closeAfterReplies();
  }

  /** The one place where failures become RESP errors. */
  void writeError(Throwable t) {
    requestFailed = true;
    if (t instanceof RespException) {
      reply.error(t.getMessage());
    } else if (t instanceof NotAnIntegerException) {
      reply.error(RespException.NOT_INTEGER.getMessage());
    } else if (t instanceof CrossSlotException) {
      reply.error(RespException.CROSSSLOT.getMessage());
    } else if (t instanceof StoreUnavailableException) {
      // Redis Cluster's error class for a slot no node serves, with the reason.
      reply.error("CLUSTERDOWN " + t.getMessage());
    } else if (t instanceof OutOfSpaceException) {
      // What Redis answers above maxmemory (server.c, shared.oomerr).
      reply.error("OOM command not allowed when used memory > 'maxmemory'.");
    } else if (t instanceof IncrementOverflowException
        || t instanceof io.sidecache.store.NotSupportedException
        || t instanceof NotAFloatException
        || t instanceof NotFiniteException) {
      reply.error("ERR " + t.getMessage());
    } else {
      log.warn("command failed", t);
      reply.error("ERR internal error: " + t.getClass().getSimpleName());
    }
  }

  @Override
  protected void flushReplies(ChannelHandlerContext ctx) {
    reply.flush(ctx);
  }

  /**
   * Queues an invalidation of {@code key} ({@code null}: of every key, after a flush) for this
   * connection; callable from any thread. As Redis 7.0 sends them: a key of default-mode tracking
   * goes out as a message of its own, at once, or after the reply of the request this connection
   * is running (its own write, or a read still waiting for the store, is answered first); keys of
   * one broadcast prefix go out together as one message, in prefix order, once the event loop
   * gets to it (Redis: once per event loop iteration).
   *
   * @param key the key, or {@code null} for all
   * @param prefix the broadcast prefix the key matched, or {@code null} in default mode
   */
  void invalidate(Key key, byte[] prefix) {
    boolean schedule = false;
    synchronized (invalidations) {
      if (key == null || pendingKeys >= MAX_PENDING_KEYS) {
        // A flush, or more keys waiting than are worth keeping: invalidate everything instead,
        // which is always safe (the client drops its whole cache).
        invalidations.clear();
        broadcastInvalidations.clear();
        pendingKeys = 0;
        invalidateAll = true;
      } else if (prefix == null) {
        invalidations.add(key);
        pendingKeys++;
      } else if (broadcastInvalidations.computeIfAbsent(prefix, p -> new LinkedHashSet<>())
          .add(key)) {
        pendingKeys++;
      }
      invalidationsPending = true;
      // Never written from the caller's stack (it may be a store operation, or Caffeine's
      // eviction inside a compute): the request running sends it after its reply
      // (requestCompleted), else a task on the event loop.
      if (!invalidationScheduled && !(ctx.executor().inEventLoop() && requestRunning())) {
        invalidationScheduled = true;
        schedule = true;
      }
    }
    if (schedule) {
      ctx.executor().execute(this::sendScheduled);
    }
  }

  /** Tells this tracking client its redirect target is gone (RESP3 push only, as Redis). */
  void redirectBroken(long redirect) {
    push(40, r -> {
      if (r.protocol() == 3) {
        r.push(2);
        r.bulk(TRACKING_REDIR_BROKEN);
        r.integer(redirect);
      }
    });
  }

  /**
   * Queues an out-of-band message for this connection, from any thread: written on the event
   * loop, at once when no request runs, else after that request's reply, in the order queued.
   */
  void push(long bytes, Consumer<RespReply> message) {
    boolean schedule;
    synchronized (invalidations) {
      if (pendingPushBytes + bytes > PUSH_OUTPUT_LIMIT) {
        overflowed = true; // a subscriber whose messages pile up is closed, as Redis's limit
      } else {
        pushes.add(message);
        pendingPushBytes += bytes;
      }
      invalidationsPending = true;
      schedule = !invalidationScheduled;
      invalidationScheduled = true;
    }
    if (schedule) {
      ctx.executor().execute(this::sendScheduled);
    }
  }

  /** The task {@link #invalidate} and {@link #push} schedule on the event loop. */
  private void sendScheduled() {
    synchronized (invalidations) {
      invalidationScheduled = false;
    }
    if (!requestRunning()) {
      sendInvalidations(true);
    }
  }

  /**
   * Writes the queued invalidations: on RESP3 as {@code >2 invalidate [keys]} pushes, on RESP2
   * only to a subscriber (Redis's {@code REDIRECT} to a client in Pub/Sub mode) as {@code message
   * __redis__:invalidate [keys]}; a flush as a null instead of the keys. On the event loop.
   */
  private void sendInvalidations(boolean flush) {
    List<Key> keys;
    TreeMap<byte[], Set<Key>> broadcast;
    List<Consumer<RespReply>> messages;
    boolean all;
    boolean overflow;
    synchronized (invalidations) {
      if (!invalidationsPending) {
        return;
      }
      keys = List.copyOf(invalidations);
      broadcast = new TreeMap<>(broadcastInvalidations);
      all = invalidateAll;
      messages = List.copyOf(pushes);
      overflow = overflowed;
      invalidations.clear();
      broadcastInvalidations.clear();
      pushes.clear();
      pendingKeys = 0;
      pendingPushBytes = 0;
      invalidateAll = false;
      overflowed = false;
      invalidationsPending = false;
    }
    if (!ctx.channel().isActive()) {
      return;
    }
    if (overflow || (session.receivesUnasked() && outboundBytes() > PUSH_OUTPUT_LIMIT)) {
      log.warn("closing RESP connection {}: over {} bytes of messages it does not read",
          ctx.channel(), PUSH_OUTPUT_LIMIT);
      ctx.close();
      return;
    }
    for (Consumer<RespReply> m : messages) {
      m.accept(reply);
    }
    boolean resp3 = reply.protocol() == 3;
    if (!resp3 && !session.subscribed()) {
      // RESP2 has no pushes: a connection hears invalidations only in Pub/Sub mode (REDIRECT)
      if (flush) {
        reply.flush(ctx);
      }
      return;
    }
    if (all) {
      invalidationHeader(resp3);
      reply.nullBulk();
    }
    for (Key k : keys) {
      invalidationHeader(resp3);
      reply.array(1);
      reply.bulk(k.bytes());
    }
    for (Set<Key> group : broadcast.values()) {
      invalidationHeader(resp3);
      reply.array(group.size());
      for (Key k : group) {
        reply.bulk(k.bytes());
      }
    }
    if (flush) {
      reply.flush(ctx);
    }
  }

  /** Returns the bytes written to the channel and not yet sent. */
  private long outboundBytes() {
    io.netty.channel.ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    return out == null ? 0 : out.totalPendingWriteBytes();
  }

  /** Writes what precedes an invalidation's keys: the push and its kind, or the message. */
  private void invalidationHeader(boolean resp3) {
    if (resp3) {
      reply.push(2);
      reply.bulk(INVALIDATE);
    } else {
      reply.push(3);
      reply.bulk(MESSAGE);
      reply.bulk(INVALIDATE_CHANNEL);
    }
  }

  /** Sends the invalidations that waited for this request's reply. */
  @Override
  protected void requestCompleted() {
    if (invalidationsPending) {
      sendInvalidations(false);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    context.unregister(session);
    reply.discard();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("closing RESP connection {}", ctx.channel(), cause);
    ctx.close();
  }
}
