package io.sidecache.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.function.Consumer;
import java.util.function.Function;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * Base of a protocol's command handler: runs the decoded requests of one connection one at a time,
 * in arrival order, and answers them in that order whether the store completes inline or later.
 *
 * <p>A request's {@link #handle} runs the command and hands the store's stage to {@link #await}.
 * A completed stage (a memory hit) is answered inline, with no thread hop. An incomplete one
 * pauses the connection: reading stops ({@code autoRead(false)}), later requests wait in a
 * backlog, and the continuation runs on the channel's event loop when the stage completes, after
 * which the backlog drains. The same pause applies while the channel is not writable (the peer
 * does not read its replies), so a slow reader holds at most one read batch of requests and the
 * outbound buffer up to the channel's high water mark. Replies are flushed once per read batch in
 * {@link #flushReplies}.
 *
 * <p>When the handler is given a {@link CommandGate}, requests also wait while the gate is closed
 * for another connection's exclusive section ({@code EXEC}), the same way.
 *
 * <p>A connection whose unwritten replies exceed {@link #OUTPUT_LIMIT} bytes (a channel attribute,
 * like Redis's {@code client-output-buffer-limit} hard limit) is closed. Without it, the pause on
 * an unwritable channel already bounds a connection to the water mark plus one read batch of
 * replies.
 *
 * <p>When the peer shuts down its output (a half-close, as {@code printf ... | nc} does) with
 * {@code ALLOW_HALF_CLOSURE} on, the requests already received still run and are answered; the
 * connection closes once they are.
 *
 * <p>A reply may carry a value too large to hold in heap: {@link #stream} writes it piece by piece
 * as its source yields pieces and the channel can take them (pausing on an unwritable channel,
 * like a slow reader), while the connection's later requests wait their turn. RESP, memcached and
 * HTTP stream through this one mechanism.
 *
 * <p>Each request message is released after {@link #handle} returns, so a handler copies what it
 * needs from a reference-counted message before awaiting. Not sharable: one instance per channel,
 * used only from its event loop.
 *
 * @param <I> the request type produced by the protocol's decoder
 */
public abstract class PipelinedRequestHandler<I> extends ChannelInboundHandlerAdapter {
  /**
   * The most bytes of replies a connection may have written but not yet sent; above it the
   * connection is closed. Set on the channel (e.g. {@code ServerBootstrap.childAttr}); absent or
   * 0 means no limit.
   */
  public static final AttributeKey<Long> OUTPUT_LIMIT =
      AttributeKey.valueOf(PipelinedRequestHandler.class, "OUTPUT_LIMIT");

  private final Class<I> requestType;
  private final CommandGate gate;
  private final ArrayDeque<Object> backlog = new ArrayDeque<>();
  private final Runnable resumeAfterGate = this::resumeAfterGate;
  private ChannelHandlerContext ctx;
  private long outputLimit;
  private boolean waiting;
  // True from the dispatch of a request (not a stream part) until it has nothing left to await.
  private boolean inRequest;
  // True while a request, a stage's continuation or the backlog runs: a writability change fired
  // synchronously inside one of their writes must not start the backlog inside it.
  private boolean running;
  private boolean heldByGate;
  private boolean closing;
  private boolean closeScheduled;
  private boolean inputShutdown;
  /** A stream waiting for the channel to become writable, or {@code null}. */
  private StreamPump blockedStream;
  /** The value streaming in, or {@code null}. */
  private StreamedUpload upload;

  /**
   * The pieces of a streamed reply, e.g. a store's value reader: {@link #next()} is not called
   * again before its previous stage completed.
   */
  @FunctionalInterface
  public interface Pieces {
    /**
     * Returns the next piece.
     *
     * @return a stage completed with the next bytes (never empty, not changed afterwards), or
     *     with {@code null} after the last one
     */
    CompletionStage<ByteBuffer> next();
  }

  /**
   * Creates the handler.
   *
   * @param requestType the class of the requests this handler accepts; other messages pass on
   */
  protected PipelinedRequestHandler(Class<I> requestType) {
    this(requestType, null);
  }

  /**
   * Creates the handler, holding requests while {@code gate} is closed.
   *
   * @param requestType the class of the requests this handler accepts; other messages pass on
   * @param gate the server's gate for exclusive sections, or {@code null} for none
   */
  protected PipelinedRequestHandler(Class<I> requestType, CommandGate gate) {
    this.requestType = requestType;
    this.gate = gate;
  }

  /**
   * Runs one request. Runs on the event loop; calls {@link #await} at most once.
   *
   * @param ctx the handler's context
   * @param request the decoded request; released by the caller after this method returns
   */
  protected abstract void handle(ChannelHandlerContext ctx, I request);

  /**
   * Runs bytes of a value that streams in ({@link StreamPart}), in order with the requests around
   * it, like a request: it may {@link #await} one stage (the store writer taking the bytes), and
   * later parts and requests wait for it. Released by the caller after this method returns. This
   * default drops them, for a protocol that streams nothing in.
   *
   * @param ctx the handler's context
   * @param part the bytes
   */
  protected void handlePart(ChannelHandlerContext ctx, StreamPart part) {
  }

  /**
   * Starts a value that streams in: the {@link StreamPart}s the handler then passes to {@link
   * #feed} go to {@code write}, each awaited before the next part or request runs, so a writer
   * that cannot keep up pauses reading on this connection. If the connection closes before {@link
   * #endUpload}, the upload is aborted: the previous value stays.
   *
   * @param write takes the next bytes (copying them before it returns) and completes when it
   *     can take more, e.g. a store writer's {@code write}
   * @param abort abandons the value, e.g. the store writer's {@code abort}
   * @return the upload
   */
  protected final StreamedUpload beginUpload(Function<ByteBuffer, CompletionStage<Void>> write,
      Runnable abort) {
    if (upload != null) {
      upload.abort();
    }
    upload = new StreamedUpload(write, abort);
    return upload;
  }

  /**
   * Writes bytes of a streamed value to the current upload and waits for it to take them (see
   * {@link #await}); after a failed write (then the upload is aborted) or without an upload, the
   * bytes are dropped.
   *
   * @param bytes the bytes, released by the caller after this returns
   */
  protected final void feed(ByteBuf bytes) {
    StreamedUpload current = upload; // the field may be gone when the write completes
    if (current == null || current.failure() != null) {
      return;
    }
    await(current.write(bytes.nioBuffer()), (v, cause) -> {
      if (cause != null) {
        current.failed(cause);
      }
    });
  }

  /**
   * Ends the current upload; the caller commits it unless it {@link StreamedUpload#failure()
   * failed}, or aborts it.
   *
   * @return the upload, or {@code null} when none was started (or it was ended already)
   */
  protected final StreamedUpload endUpload() {
    StreamedUpload ended = upload;
    upload = null;
    return ended;
  }

  /**
   * Writes and flushes the replies accumulated since the last call. Called at the end of every
   * read batch and after a paused connection resumes.
   *
   * @param ctx the handler's context
   */
  protected abstract void flushReplies(ChannelHandlerContext ctx);

  /**
   * Continues the current request when its stage completes: inline when it already has, otherwise
   * on the event loop with the connection paused until then.
   *
   * @param stage the store's stage, must not be {@code null}
   * @param then receives the value, or the failure cause (unwrapped from {@link
   *     CompletionException}) and a {@code null} value; runs on the event loop
   * @param <T> the value type
   * @throws IllegalStateException if the current request already awaits a stage
   */
  protected final <T> void await(
      CompletionStage<T> stage, BiConsumer<? super T, ? super Throwable> then) {
    await(stage, then, true);
  }

  /**
   * {@link #await}, telling the gate about the stage or not: a stream's stage is the client
   * reading a reply, not a store operation, and an exclusive section must not wait for it.
   */
  private <T> void await(CompletionStage<T> stage, BiConsumer<? super T, ? super Throwable> then,
      boolean storeOperation) {
    if (waiting) {
      throw new IllegalStateException("a request may await one stage only");
    }
    CompletableFuture<T> future = stage.toCompletableFuture();
    if (future.isDone()) {
      T value = null;
      Throwable cause = null;
      try {
        value = future.getNow(null);
      } catch (CompletionException | CancellationException e) {
        cause = unwrap(e);
      }
      then.accept(value, cause);
      return;
    }
    waiting = true;
    pauseReading();
    if (storeOperation && gate != null && gate.isOpen() && !CommandGate.isSectionResult(future)) {
      // A section about to start waits for this stage's store operation (CommandGate). Stages
      // awaited while the gate is closed are the sections' own (the request that asked for one,
      // the commands EXEC runs) and must not hold it.
      gate.stageStarted();
      future.whenComplete((v, t) -> gate.stageCompleted());
    }
    future.whenCompleteAsync(
        (value, cause) -> {
          waiting = false;
          running = true;
          try {
            then.accept(value, cause == null ? null : unwrap(cause));
            completeIfDone();
          } catch (Throwable t) {
            ctx.fireExceptionCaught(t);
          } finally {
            running = false;
          }
          drain();
        },
        ctx.executor());
  }

  /**
   * Writes the pieces of a large reply after everything the handler has buffered so far, each
   * piece once the previous one was handed to the channel and the channel is writable; then
   * continues the current request with {@code then}, on the event loop (inline when every piece
   * was ready and the channel writable). The pieces are wrapped, not copied. Until {@code then}
   * runs, the request counts as running: reading stays paused and later requests wait, so replies
   * stay in order (invariant 4).
   *
   * <p>If the source fails, or the channel closes, part-way, the reply cannot be finished: the
   * connection is closed (a client never sees a torn value as a whole one) and {@code then}
   * receives the cause, to release what the source holds.
   *
   * @param pieces the source of the reply's bytes
   * @param then receives {@code null} after the last piece, or the cause of the failure
   */
  protected final void stream(Pieces pieces, Consumer<Throwable> then) {
    flushReplies(ctx);
    CompletableFuture<Void> written = new CompletableFuture<>();
    new StreamPump(pieces, written).run();
    await(written, (v, cause) -> {
      if (cause != null) {
        closing = true;
        releaseBacklog();
        ctx.close();
      }
      then.accept(cause);
    }, false);
  }

  /** Moves pieces to the channel while they are ready and it is writable (see {@link #stream}). */
  private final class StreamPump implements Runnable {
    private final Pieces pieces;
    private final CompletableFuture<Void> written;

    StreamPump(Pieces pieces, CompletableFuture<Void> written) {
      this.pieces = pieces;
      this.written = written;
    }

    /**
     * Writes the pieces that are ready; flushes once when it stops (a piece not ready yet, the
     * channel unwritable above its water mark, the end), not once per piece.
     */
    @Override
    public void run() {
      try {
        pump();
      } finally {
        ctx.flush();
      }
    }

    private void pump() {
      for (; ; ) {
        if (!ctx.channel().isActive()) {
          written.completeExceptionally(new ClosedChannelException());
          return;
        }
        if (!ctx.channel().isWritable()) {
          blockedStream = this; // channelWritabilityChanged resumes it
          return;
        }
        CompletableFuture<ByteBuffer> next;
        try {
          next = pieces.next().toCompletableFuture();
        } catch (RuntimeException e) {
          written.completeExceptionally(e);
          return;
        }
        if (!next.isDone()) {
          next.whenCompleteAsync((piece, cause) -> {
            if (cause != null) {
              written.completeExceptionally(unwrap(cause));
            } else if (piece == null) {
              written.complete(null);
            } else {
              send(piece);
              run();
            }
          }, ctx.executor());
          return;
        }
        ByteBuffer piece;
        try {
          piece = next.join();
        } catch (CompletionException | CancellationException e) {
          written.completeExceptionally(unwrap(e));
          return;
        }
        if (piece == null) {
          written.complete(null);
          return;
        }
        send(piece);
      }
    }

    private void send(ByteBuffer piece) {
      ctx.write(Unpooled.wrappedBuffer(piece), ctx.voidPromise());
    }
  }

  /**
   * Closes the connection once the replies written so far are flushed; requests not yet run are
   * dropped (Redis {@code QUIT}, a protocol error).
   */
  protected final void closeAfterReplies() {
    closing = true;
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    Long limit = ctx.channel().attr(OUTPUT_LIMIT).get();
    this.outputLimit = limit == null ? 0 : limit;
  }

  /** Flushes the replies, then closes the connection if its unsent replies exceed the limit. */
  private void flushAndCheck(ChannelHandlerContext ctx) {
    flushReplies(ctx);
    if (outputLimit > 0) {
      ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
      if (out != null && out.totalPendingWriteBytes() > outputLimit) {
        closing = true;
        releaseBacklog();
        ctx.close();
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!requestType.isInstance(msg) && !(msg instanceof StreamPart)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (waiting || heldByGate || !backlog.isEmpty() || !ctx.channel().isWritable()
        || heldByClosedGate()) {
      backlog.add(msg);
      pauseReading();
      return;
    }
    running = true;
    try {
      dispatch(msg);
    } finally {
      running = false;
    }
  }

  /**
   * Returns whether a request is running or awaiting a stage: from its dispatch until {@link
   * #requestCompleted}. A message written into the replies meanwhile would land before the
   * request's reply.
   */
  protected final boolean requestRunning() {
    return inRequest;
  }

  /** Calls {@link #requestCompleted} once the request running has nothing left to await. */
  private void completeIfDone() {
    if (inRequest && !waiting) {
      inRequest = false;
      requestCompleted();
    }
  }

  /**
   * Called once per request (not per {@link StreamPart}) when it is done: {@link #handle}
   * returned and every stage it awaited, and every stream it started, has completed. A protocol
   * that times its commands records here. Runs on the event loop; the default does nothing.
   */
  protected void requestCompleted() {}

  /** Registers for the gate's opening when it is closed; returns whether it was. */
  private boolean heldByClosedGate() {
    if (gate == null || heldByGate || !gate.holdIfClosed(ctx.executor(), resumeAfterGate)) {
      return heldByGate;
    }
    heldByGate = true;
    return true;
  }

  private void resumeAfterGate() {
    heldByGate = false;
    if (!waiting && !closing) {
      drain();
    }
  }

  private void dispatch(Object msg) {
    try {
      if (msg instanceof StreamPart part) {
        handlePart(ctx, part);
      } else {
        inRequest = true;
        handle(ctx, requestType.cast(msg));
        completeIfDone();
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
    if (closing) {
      flushAndClose();
    }
  }

  /**
   * Runs the backlog while nothing holds it, then flushes; resumes reading once it is empty. Not
   * reentrant: called while a request or the backlog runs (a writability change inside a write),
   * it returns at once and the running loop sees the change when it checks writability again.
   */
  private void drain() {
    if (running) {
      return;
    }
    running = true;
    try {
      do {
        while (canRunBacklog()) {
          dispatch(backlog.poll());
        }
        if (closing) {
          flushAndClose();
          return;
        }
        // The flush may make the channel writable again, with requests left to run.
        flushAndCheck(ctx);
      } while (canRunBacklog());
    } finally {
      running = false;
    }
    if (!waiting && !closing && !heldByGate && backlog.isEmpty()) {
      if (inputShutdown) {
        flushAndClose();
      } else if (ctx.channel().isWritable()) {
        resumeReading();
      }
    }
  }

  private boolean canRunBacklog() {
    return !waiting && !closing && ctx.channel().isWritable() && !backlog.isEmpty()
        && !heldByClosedGate();
  }

  private void flushAndClose() {
    if (closeScheduled) {
      return;
    }
    closeScheduled = true;
    releaseBacklog();
    flushReplies(ctx);
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  private void pauseReading() {
    ctx.channel().config().setAutoRead(false);
  }

  private void resumeReading() {
    if (!ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void releaseBacklog() {
    Object msg;
    while ((msg = backlog.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!closing) {
      flushAndCheck(ctx);
      if (!closing && !ctx.channel().isWritable()) {
        pauseReading();
      }
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && blockedStream != null) {
      StreamPump pump = blockedStream;
      blockedStream = null;
      pump.run();
    } else if (ctx.channel().isWritable() && !waiting && !heldByGate && !closing) {
      drain();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputShutdown = true;
      if (!closing && !waiting && !heldByGate && backlog.isEmpty()) {
        flushAndClose();
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    releaseBacklog();
    StreamedUpload abandoned = endUpload();
    if (abandoned != null) {
      abandoned.abort(); // a client gone mid-upload leaves the previous value in place
    }
    if (blockedStream != null) {
      StreamPump pump = blockedStream;
      blockedStream = null;
      pump.run(); // sees the closed channel and fails the stream, which releases its source
    }
    ctx.fireChannelInactive();
  }
}
