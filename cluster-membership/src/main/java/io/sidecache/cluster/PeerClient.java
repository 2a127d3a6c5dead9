package io.sidecache.cluster;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.sidecache.store.Key;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The dialling side of the peer port: a few pooled connections to each peer, each pipelined (many
 * requests in flight, answered in order). A key's requests always use the same connection of a
 * peer (chosen by the key's hash), so they arrive, run and answer in the order sent; keyless
 * requests, nested ones and an isolated section's have a connection each. Connections open on
 * first use, authenticate with {@link PeerHandshake} before any request is sent, and reopen on
 * the next use after they close; a peer whose connection just failed is skipped for {@link
 * #DOWN_MILLIS} so callers fail over at once.
 *
 * <p>Every call has a deadline; when it passes, or the connection closes first, the call fails
 * with {@link Unreachable}, which tells whether the request may have reached the member.
 * Thread-safe.
 */
final class PeerClient implements AutoCloseable {
  /** The deadline of a call, in milliseconds. */
  long timeoutMillis() {
    return timeoutMillis;
  }

  /** Connections per peer for keyed requests (two more carry the keyless and nested ones). */
  static final int CONNECTIONS = 2;
  /** How long a peer whose connection failed is skipped, in milliseconds. */
  static final long DOWN_MILLIS = 500;

  private final EventLoopGroup group;
  private final Class<? extends SocketChannel> channelType;
  private final String secret;
  private final String selfId;
  private final long timeoutMillis;
  private final io.netty.handler.ssl.SslContext tls;
  private final Map<String, Peer> peers = new ConcurrentHashMap<>();
  /**
   * The node each chunked entry received came from, by identity, for as long as the entry is
   * referenced (at most a minute): its chunks are read there.
   */
  private final com.github.benmanes.caffeine.cache.Cache<io.sidecache.store.Entry, RingMember>
      origins = com.github.benmanes.caffeine.cache.Caffeine.newBuilder().weakKeys()
          .expireAfterWrite(java.time.Duration.ofMinutes(1)).build();
  private volatile boolean closed;

  /**
   * Creates the client.
   *
   * @param group the event loops the connections run on
   * @param channelType the socket channel class of that group's transport
   * @param secret the cluster secret
   * @param selfId this node's id
   * @param timeoutMillis the deadline of each call, in milliseconds
   */
  PeerClient(EventLoopGroup group, Class<? extends SocketChannel> channelType, String secret,
      String selfId, long timeoutMillis) {
    this(group, channelType, secret, selfId, timeoutMillis, null);
  }

  /**
   * Creates a client whose connections start with TLS.
   *
   * @param tls the client side of TLS, or {@code null} for plain TCP
   */
  PeerClient(EventLoopGroup group, Class<? extends SocketChannel> channelType, String secret,
      String selfId, long timeoutMillis, io.netty.handler.ssl.SslContext tls) {
    this.tls = tls;
    this.group = group;
    this.channelType = channelType;
    this.secret = secret;
    this.selfId = selfId;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * Sends a request to a member and returns its result.
   *
   * @param member the member to ask
   * @param op the operation
   * @param epoch the sender's ring epoch
   * @param hops how many more times the receiver may forward it
   * @param key the key, or {@code null} for an operation without one
   * @param args writes the operation's arguments after the key
   * @return a future completed with the result, or failed with the store exception the member
   *     answered, or with {@link Unreachable}
   */
  <R> CompletableFuture<R> call(RingMember member, PeerOp<R> op, long epoch, int hops, Key key,
      Consumer<ByteBuf> args) {
    return call(member, op, epoch, new PeerOp.Route(hops, 0), key, args, timeoutMillis);
  }

  /** {@link #call}, with another deadline (a request made while serving one: shorter). */
  <R> CompletableFuture<R> call(RingMember member, PeerOp<R> op, long epoch, int hops, Key key,
      Consumer<ByteBuf> args, long deadlineMillis) {
    return call(member, op, epoch, new PeerOp.Route(hops, 0), key, args, deadlineMillis);
  }

  /**
   * {@link #call}, for a request of an isolated section.
   *
   * @param route the hops left and the section's id
   * @param deadlineMillis how long to wait for the answer
   */
  <R> CompletableFuture<R> call(RingMember member, PeerOp<R> op, long epoch, PeerOp.Route route,
      Key key, Consumer<ByteBuf> args, long deadlineMillis) {
    if (closed) {
      return CompletableFuture.failedFuture(new Unreachable("node is closing", false));
    }
    Peer peer = peers.computeIfAbsent(member.nodeId(), id -> new Peer(member));
    if (!peer.member.peerAddress().equals(member.peerAddress())) {
      peers.remove(member.nodeId(), peer); // the id came back at another address
      peer.close();
      peer = peers.computeIfAbsent(member.nodeId(), id -> new Peer(member));
    }
    return peer.call(op, epoch, route, key, args, deadlineMillis);
  }

  /**
   * Returns the node a chunked entry was received from.
   *
   * @param entry an entry a call of this client returned
   * @return the node, or {@code null} for an entry this client did not receive (a local one)
   */
  RingMember originOf(io.sidecache.store.Entry entry) {
    return origins.asMap().get(entry);
  }

  /**
   * Tells whether a member's connection failed within the last {@link #DOWN_MILLIS}.
   *
   * @param member the member
   * @return {@code true} when requests to it should go elsewhere now
   */
  boolean isDown(RingMember member) {
    Peer p = peers.get(member.nodeId());
    return p != null && System.nanoTime() - p.downSince < TimeUnit.MILLISECONDS.toNanos(DOWN_MILLIS)
        && p.downSince != 0;
  }

  /**
   * Tells whether the connection a key's keyed requests to a member use has more unsent bytes
   * than its high water mark (Netty's writability), or more than {@link #QUEUED_BYTES_HIGH} of
   * requests not handed to it yet: the member, or the network to it, does not keep up.
   *
   * @param member the member
   * @param key the key
   * @return {@code true} when that connection is open and not writable
   */
  boolean backedUp(RingMember member, Key key) {
    Peer p = peers.get(member.nodeId());
    if (p == null) {
      return false;
    }
    Connection c = p.connections.get(keyedSlot(key));
    return c != null && c.usable()
        && (!c.channel.isWritable() || c.queuedBytes.get() > QUEUED_BYTES_HIGH);
  }

  /**
   * Bytes of requests a connection may have queued for its loop, or waiting for its handshake,
   * before it counts as backed up: Netty's writability counts a frame only once it is written.
   */
  static final long QUEUED_BYTES_HIGH = 1 << 20;

  /**
   * Closes the connections of members no longer on the ring.
   *
   * @param live the node ids on the ring
   */
  void retain(java.util.Set<String> live) {
    peers.entrySet().removeIf(e -> {
      if (!live.contains(e.getKey())) {
        e.getValue().close();
        return true;
      }
      return false;
    });
  }

  @Override
  public void close() {
    closed = true;
    peers.values().forEach(Peer::close);
    peers.clear();
  }

  /** The connection slot of a key's keyed requests to a peer. */
  private static int keyedSlot(Key key) {
    return Math.floorMod(key.hashCode(), CONNECTIONS);
  }

  /** The connections to one member. */
  private final class Peer {
    final RingMember member;
    /** Keyed by hash, then keyless, nested and section ones. */
    final java.util.concurrent.atomic.AtomicReferenceArray<Connection> connections =
        new java.util.concurrent.atomic.AtomicReferenceArray<>(CONNECTIONS + 3);
    volatile long downSince;

    Peer(RingMember member) {
      this.member = member;
    }

    <R> CompletableFuture<R> call(PeerOp<R> op, long epoch, PeerOp.Route route, Key key,
        Consumer<ByteBuf> args, long deadlineMillis) {
      // Keyless requests (SIZE, SCAN, FLUSH, PING) have their own connection (they may be
      // slow), and so do nested ones (PeerOp#nested), which must not queue behind what they serve.
      // An isolated section's requests have one too: the owner answers in request order, and one
      // that waits there for the section to end must not hold the section's answers back.
      int slot = op.nested ? CONNECTIONS + 1 : op.ofSection(route) ? CONNECTIONS + 2
          : key == null ? CONNECTIONS : keyedSlot(key);
      Connection c = connections.get(slot);
      while (c == null || !c.usable()) {
        Connection fresh = new Connection(this);
        if (connections.compareAndSet(slot, c, fresh)) {
          c = fresh;
        } else {
          fresh.channel.close(); // another thread opened one first
          c = connections.get(slot);
        }
      }
      return c.send(op, epoch, route, key, args, deadlineMillis);
    }

    void close() {
      for (int i = 0; i < connections.length(); i++) {
        Connection c = connections.get(i);
        if (c != null) {
          c.channel.close();
        }
      }
    }
  }

  /** One pipelined connection; its state is touched on its event loop only. */
  private final class Connection extends ChannelInboundHandlerAdapter {
    private final Peer peer;
    private final Channel channel;
    private final ArrayDeque<Pending<?>> inFlight = new ArrayDeque<>();
    private final ArrayDeque<Object[]> waiting = new ArrayDeque<>(); // before the handshake
    private boolean authenticated;
    private volatile boolean failed;
    /** Bytes of frames sent to this connection and not yet written to its channel. */
    final java.util.concurrent.atomic.AtomicLong queuedBytes =
        new java.util.concurrent.atomic.AtomicLong();

    Connection(Peer peer) {
      this.peer = peer;
      String[] hostPort = splitHostPort(peer.member.peerAddress());
      Bootstrap b = new Bootstrap().group(group).channel(channelType)
          .option(ChannelOption.TCP_NODELAY, true)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(timeoutMillis, 5_000))
          .handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              if (tls != null) {
                ch.pipeline().addLast(tls.newHandler(ch.alloc(), hostPort[0],
                    Integer.parseInt(hostPort[1])));
              }
              ch.pipeline().addLast(PeerHandshake.connecting(secret, selfId,
                  peer.member.nodeId()));
              PeerServer.addFraming(ch.pipeline());
              ch.pipeline().addLast(Connection.this);
            }
          });
      ChannelFuture f = b.connect(hostPort[0], Integer.parseInt(hostPort[1]));
      this.channel = f.channel();
      f.addListener(done -> {
        if (!done.isSuccess()) {
          fail("cannot connect to " + peer.member + ": " + done.cause().getMessage());
        }
      });
      channel.closeFuture().addListener(done -> fail("connection to " + peer.member + " closed"));
    }

    boolean usable() {
      return !failed;
    }

    <R> CompletableFuture<R> send(PeerOp<R> op, long epoch, PeerOp.Route route, Key key,
        Consumer<ByteBuf> args, long deadlineMillis) {
      ByteBuf frame = channel.alloc().buffer();
      try {
        frame.writeByte(op.code);
        frame.writeLong(epoch);
        frame.writeByte(route.hops());
        frame.writeLong(route.isolation());
        PeerCodec.writeNullableKey(frame, key);
        args.accept(frame);
      } catch (RuntimeException e) {
        frame.release();
        throw e;
      }
      Pending<R> p = new Pending<>(op, peer.member);
      int bytes = frame.readableBytes();
      queuedBytes.addAndGet(bytes);
      // Always as a task, also from the connection's own loop: requests reach the connection in
      // the order they were sent, whichever threads send them (a key's replicated states).
      channel.eventLoop().execute(() -> {
        if (failed) {
          queuedBytes.addAndGet(-bytes);
          frame.release();
          p.fail(new Unreachable("connection to " + peer.member + " failed", false));
          return;
        }
        p.timeout = channel.eventLoop().schedule(() -> timedOut(p, deadlineMillis),
            deadlineMillis, TimeUnit.MILLISECONDS);
        if (!authenticated) {
          waiting.add(new Object[] {p, frame});
        } else {
          write(p, frame);
        }
      });
      return p.future;
    }

    /**
     * A call's deadline passed: a request not sent yet is dropped (it can go elsewhere); a sent
     * one stays in line, its answer to be skipped; either way the peer counts as down a moment.
     */
    private void timedOut(Pending<?> p, long deadlineMillis) {
      peer.downSince = Math.max(1, System.nanoTime());
      String why = p.op + " to " + peer.member + " got no answer within " + deadlineMillis
          + " ms";
      for (java.util.Iterator<Object[]> it = waiting.iterator(); it.hasNext(); ) {
        Object[] w = it.next();
        if (w[0] == p) {
          it.remove();
          dropWaiting((ByteBuf) w[1]);
          p.fail(new Unreachable(why, false));
          return;
        }
      }
      p.fail(new Unreachable(why, true));
    }

    /** Releases a frame that waited for the handshake and will not be written. */
    private void dropWaiting(ByteBuf frame) {
      queuedBytes.addAndGet(-frame.readableBytes());
      frame.release();
    }

    private void write(Pending<?> p, ByteBuf frame) {
      inFlight.add(p);
      queuedBytes.addAndGet(-frame.readableBytes());
      channel.writeAndFlush(frame, channel.voidPromise());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof PeerHandshake.Authenticated) {
        authenticated = true;
        peer.downSince = 0;
        for (Object[] w; (w = waiting.poll()) != null; ) {
          write((Pending<?>) w[0], (ByteBuf) w[1]);
        }
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf in = (ByteBuf) msg;
      try {
        Pending<?> p = inFlight.poll();
        if (p == null) {
          ctx.close(); // an answer to nothing: the peer is out of step
          return;
        }
        p.complete(in);
      } finally {
        in.release();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }

    /** Fails what is pending and marks the peer down; runs on any thread, once per cause. */
    private void fail(String why) {
      failed = true;
      peer.downSince = Math.max(1, System.nanoTime());
      channel.eventLoop().execute(() -> {
        for (Pending<?> p; (p = inFlight.poll()) != null; ) {
          p.fail(new Unreachable(why, true));
        }
        for (Object[] w; (w = waiting.poll()) != null; ) {
          dropWaiting((ByteBuf) w[1]);
          ((Pending<?>) w[0]).fail(new Unreachable(why, false));
        }
      });
    }
  }

  /**
   * A call that got no answer from the member: never sent (safe to send elsewhere), or sent and
   * then the connection closed or the deadline passed (it may have been applied).
   */
  static final class Unreachable extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean maybeSent;

    Unreachable(String message, boolean maybeSent) {
      super(message, null, false, false);
      this.maybeSent = maybeSent;
    }

    /** Whether the member may have received (and applied) the request. */
    boolean maybeSent() {
      return maybeSent;
    }
  }

  /** A request waiting for its answer. */
  private final class Pending<R> {
    final PeerOp<R> op;
    final RingMember from;
    final CompletableFuture<R> future = new CompletableFuture<>();
    java.util.concurrent.ScheduledFuture<?> timeout;

    Pending(PeerOp<R> op, RingMember from) {
      this.op = op;
      this.from = from;
    }

    void complete(ByteBuf in) {
      cancelTimeout();
      if (future.isDone()) {
        return; // timed out meanwhile: the answer only keeps the connection in step
      }
      try {
        if (in.readUnsignedByte() == 0) {
          R result;
          PeerCodec.CHUNKED_SEEN.set(e -> origins.put(e, from));
          try {
            result = op.readResult(in);
          } finally {
            PeerCodec.CHUNKED_SEEN.remove();
          }
          future.complete(result);
        } else {
          future.completeExceptionally(PeerCodec.readError(in));
        }
      } catch (RuntimeException e) {
        future.completeExceptionally(new Unreachable("malformed answer to " + op + ": " + e,
            true));
      }
    }

    void fail(RuntimeException e) {
      cancelTimeout();
      future.completeExceptionally(e);
    }

    private void cancelTimeout() {
      if (timeout != null) {
        timeout.cancel(false);
      }
    }
  }

  /**
   * Returns {@code host:port} as {@link #splitHostPort} and Hazelcast read it back: an IPv6
   * literal in brackets ({@code [::1]:7380}), since its own colons would otherwise run into the
   * port's.
   */
  static String joinHostPort(String host, int port) {
    return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
  }

  static String[] splitHostPort(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got " + hostPort);
    }
    return new String[] {hostPort.substring(0, colon), hostPort.substring(colon + 1)};
  }
}
