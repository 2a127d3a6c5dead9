package io.sidecache.cluster;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.sidecache.store.Key;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The accepting side of the peer port (docs/cluster.md, "Peer protocol"): the {@link
 * PeerHandshake} first, then length-prefixed request frames, each run through a {@link
 * PeerOp.PeerService} and answered in the order received. The requests of one connection on one
 * key run one at a time, each after the previous one completed, so the states a node sends for a
 * key are applied in the order sent (what replication relies on); requests on other keys run
 * meanwhile, so a forwarded write waiting for its replicas holds up no other key. Up to {@link
 * #MAX_QUEUED} requests wait for their answers; beyond that the connection stops reading.
 *
 * <p>Thread-safe to share across channels; each channel gets its own handlers.
 */
public final class PeerServer extends ChannelInitializer<SocketChannel> {
  /** The largest frame either side accepts, in bytes: a 512 MiB value plus its request. */
  static final int MAX_FRAME_BYTES = 512 * 1024 * 1024 + 64 * 1024;
  /** Unanswered requests of one connection beyond which it stops reading. */
  static final int MAX_QUEUED = 1024;

  private static final Logger log = LoggerFactory.getLogger(PeerServer.class);

  private final String secret;
  private final String selfId;
  private final Supplier<PeerOp.PeerService> service;
  private final io.netty.handler.ssl.SslContext tls;

  /**
   * Creates the initializer.
   *
   * @param secret the cluster secret
   * @param selfId this node's id
   * @param service what runs the requests, asked once per connection (the node binds its peer
   *     port before it builds the store that serves it)
   */
  PeerServer(String secret, String selfId, Supplier<PeerOp.PeerService> service) {
    this(secret, selfId, service, null);
  }

  /**
   * Creates the initializer of a peer port with TLS.
   *
   * @param tls the server side of TLS, or {@code null} for plain TCP
   */
  PeerServer(String secret, String selfId, Supplier<PeerOp.PeerService> service,
      io.netty.handler.ssl.SslContext tls) {
    this.tls = tls;
    this.secret = secret;
    this.selfId = selfId;
    this.service = service;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    if (tls != null) {
      p.addLast(tls.newHandler(ch.alloc()));
    }
    p.addLast(PeerHandshake.accepting(secret, selfId));
    addFraming(p);
    p.addLast(new RequestHandler(service.get()));
  }

  /**
   * The framing both sides use after the handshake: a 4-byte length before each frame, flushes
   * consolidated.
   */
  static void addFraming(ChannelPipeline p) {
    // Many small frames each way: one flush (one syscall) per batch, not per frame.
    p.addLast(new FlushConsolidationHandler(256, true));
    p.addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES, 0, 4, 0, 4));
    p.addLast(new LengthFieldPrepender(4));
  }

  /**
   * Runs one connection's requests: those on one key one after the other, in arrival order; the
   * others at once, side by side. Answers leave in arrival order, as the sender matches them.
   */
  private static final class RequestHandler extends ChannelInboundHandlerAdapter {
    private final PeerOp.PeerService service;
    /** Every request not answered yet, in arrival order. */
    private final ArrayDeque<Slot> slots = new ArrayDeque<>();
    /** The last request of each key still running or waiting: the next one on the key waits. */
    private final HashMap<Key, CompletableFuture<Void>> tails = new HashMap<>();
    private String peer = "?";
    private boolean closed;

    /** A request's place in the answer order, and its answer once done. */
    private static final class Slot {
      ByteBuf answer;
    }

    RequestHandler(PeerOp.PeerService service) {
      this.service = service;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof PeerHandshake.Authenticated a) {
        peer = a.nodeId();
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf frame = (ByteBuf) msg;
      Slot slot = new Slot();
      slots.add(slot);
      if (slots.size() > MAX_QUEUED) {
        ctx.channel().config().setAutoRead(false);
      }
      PeerOp<?> op;
      PeerOp.Route route;
      Key key;
      try {
        op = PeerOp.of(frame.readUnsignedByte());
        frame.readLong(); // the sender's ring epoch: not acted on, the hop limit stops loops
        route = new PeerOp.Route(frame.readUnsignedByte(), frame.readLong());
        key = PeerCodec.readNullableKey(frame);
      } catch (RuntimeException e) {
        frame.release();
        answer(ctx, slot, null, e);
        return;
      }
      CompletableFuture<Void> mine = new CompletableFuture<>();
      CompletableFuture<Void> before = key == null ? null : tails.put(key, mine);
      if (before == null || before.isDone()) {
        start(ctx, op, route, key, frame, slot, mine);
      } else {
        before.whenComplete((v, t) -> ctx.executor().execute(
            () -> start(ctx, op, route, key, frame, slot, mine)));
      }
    }

    private void start(ChannelHandlerContext ctx, PeerOp<?> op, PeerOp.Route route, Key key,
        ByteBuf frame, Slot slot, CompletableFuture<Void> mine) {
      CompletableFuture<?> result;
      try {
        result = op.invoke(service, route, key, frame).toCompletableFuture();
      } catch (RuntimeException e) {
        result = CompletableFuture.failedFuture(e);
      } finally {
        frame.release();
      }
      java.util.function.BiConsumer<Object, Throwable> done = (v, t) -> {
        answer(ctx, slot, op, t == null ? v : RoutingStore.cause(t));
        mine.complete(null);
        if (key != null && tails.get(key) == mine) {
          tails.remove(key);
        }
      };
      if (result.isDone()) {
        result.whenComplete(done); // runs now, on this loop
      } else {
        result.whenComplete((v, t) -> ctx.executor().execute(() -> done.accept(v, t)));
      }
    }

    /** Encodes an answer (a result, or the failure when {@code op} is null or it is one). */
    private void answer(ChannelHandlerContext ctx, Slot slot, PeerOp<?> op, Object result) {
      if (closed) {
        return; // the connection is gone: nobody reads the answer
      }
      ByteBuf out = ctx.alloc().buffer();
      if (op != null && !(result instanceof Throwable)) {
        try {
          out.writeByte(0);
          op.writeResult(out, result);
        } catch (RuntimeException e) {
          result = e;
        }
      }
      if (op == null || result instanceof Throwable) {
        out.clear();
        out.writeByte(1);
        PeerCodec.writeError(out, (Throwable) result);
      }
      slot.answer = out;
      boolean wrote = false;
      while (!slots.isEmpty() && slots.peek().answer != null) {
        ctx.write(slots.poll().answer);
        wrote = true;
      }
      if (wrote) {
        ctx.flush();
      }
      if (slots.size() < MAX_QUEUED / 2 && !ctx.channel().config().isAutoRead()) {
        ctx.channel().config().setAutoRead(true);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      closed = true;
      for (Slot s : slots) {
        if (s.answer != null) {
          s.answer.release();
        }
      }
      slots.clear();
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (cause instanceof TooLongFrameException) {
        log.warn("peer {} ({}): {}; closing", peer, ctx.channel().remoteAddress(),
            cause.getMessage());
      } else {
        log.debug("peer {} connection failed", peer, cause);
      }
      ctx.close();
    }
  }
}
