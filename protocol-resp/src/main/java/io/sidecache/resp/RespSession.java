package io.sidecache.resp;

import io.netty.channel.Channel;
import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.Stages;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Entry;
import io.sidecache.store.Key;
import io.sidecache.store.Ticker;
import io.sidecache.store.ValueSlice;
import io.sidecache.store.ValueStreams;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a command body sees of its connection: the store, the clock, the reply writer and the
 * per-connection state (client id, name, library, authentication, {@code MULTI} queue and watched
 * keys). Not thread-safe: used on the connection's event loop only, except {@link #kill()}.
 */
public final class RespSession {
  private final RespServerHandler handler;
  private final RespServerContext context;
  private final RespReply reply;
  private final long clientId;
  private final long createdAt;
  private final Channel channel;
  private final SocketAddress remoteAddress;
  private final SocketAddress localAddress;
  private volatile long lastInteraction;
  private boolean authenticated;
  private Transaction transaction;
  private Map<Key, Transaction.Watched> watched;
  private boolean runningQueued;
  private boolean exclusive;
  /** The store of the isolated section this connection runs ({@link #exclusive}), or null. */
  private CacheStore sectionStore;
  private CompletionStage<Void> queuedReply;
  /** The keyspace as this connection changes it: its changes carry its id ({@code NOLOOP}). */
  private final CacheStore ownStore;
  /** What {@code CLIENT TRACKING ON} asked for, or {@code null} when tracking is off. */
  private ClientTracking.Tracker tracker;
  /** Whether {@code CLIENT CACHING yes|no} was given for the next command or transaction. */
  private boolean cachingGiven;
  /** {@link #cachingGiven} as it was when {@code EXEC} came, for the commands EXEC runs. */
  private boolean queuedCaching;
  /** The Pub/Sub channels and patterns this connection subscribed to; read from other loops. */
  private final Set<Key> channels = ConcurrentHashMap.newKeySet();
  private final Set<Key> patterns = ConcurrentHashMap.newKeySet();
  /** The size of both, kept on the event loop. */
  private int subscriptions;
  /** Set once, on the event loop, when the connection is unregistered. */
  private boolean closed;
  private volatile String name = "";
  private volatile String libName = "";
  private volatile String libVersion = "";
  private volatile String lastCommand = "NULL";

  RespSession(
      RespServerHandler handler,
      RespServerContext context,
      RespReply reply,
      Channel channel) {
    this.handler = handler;
    this.context = context;
    this.reply = reply;
    this.clientId = context.nextClientId();
    this.createdAt = context.ticker().millis();
    this.lastInteraction = createdAt;
    this.channel = channel;
    this.localAddress = channel.localAddress();
    // A Unix socket client shows the socket's path for both, as Redis's CLIENT LIST does.
    this.remoteAddress = channel.remoteAddress() instanceof java.net.InetSocketAddress
        ? channel.remoteAddress() : localAddress;
    this.authenticated = !context.requiresPassword();
    this.ownStore = context.storeFor(clientId);
  }

  /** Returns the server-wide state. */
  RespServerContext context() {
    return context;
  }

  /**
   * Returns the keyspace; inside an exclusive section ({@link #exclusive}), the section's view of
   * it, whose operations the keys' owner lets through while it holds the keys for the section.
   */
  public CacheStore store() {
    CacheStore section = sectionStore;
    return section != null ? section : ownStore;
  }

  /** Returns the current time in milliseconds since the epoch, from the server's ticker. */
  public long now() {
    return context.ticker().millis();
  }

  /** Returns the server's clock. */
  public Ticker ticker() {
    return context.ticker();
  }

  /** Returns the server's input limits ({@code proto-max-bulk-len} and others). */
  public RespLimits limits() {
    return context.limits();
  }

  /** Returns the command table. */
  public RespCommands commands() {
    return context.commands();
  }

  /** Returns the reply writer for inline replies. */
  public RespReply reply() {
    return reply;
  }

  /**
   * Replies when the stage completes: inline when it already has, else later on the event loop
   * with the connection's later commands held back. A failed stage is answered with the error
   * mapped from the failure. A command calls this at most once.
   *
   * @param stage the store's stage
   * @param writer writes the reply for the value
   * @param <T> the value type
   */
  public <T> void reply(CompletionStage<T> stage, BiConsumer<RespReply, ? super T> writer) {
    if (!runningQueued) {
      handler.replyWhenDone(stage, writer);
      return;
    }
    CompletionStage<Void> written =
        onLoop(stage).handle(
            (value, cause) -> {
              if (cause != null) {
                handler.writeError(
                    cause instanceof CompletionException && cause.getCause() != null
                        ? cause.getCause() : cause);
              } else {
                writer.accept(reply, value);
              }
              return null;
            });
    if (!written.toCompletableFuture().isDone()) {
      queuedReply = written;
    }
  }

  /**
   * Replies with the value of the entry {@code stage} yields as a bulk string, {@code $-1} when
   * it is {@code null}; a chunked value is streamed, never held whole in heap, except inside
   * {@code EXEC} (whose array is written as one reply: there the value is read into heap first).
   *
   * @param key the key the entry is read under
   * @param stage the store's stage
   * @param seen told of the entry (or {@code null}) before the reply is written
   */
  public void replyValue(Key key, CompletionStage<Entry> stage, Consumer<Entry> seen) {
    if (!runningQueued) {
      // One writer and no list: this is every GET's reply (docs/benchmarks.md, "Profiles").
      reply(stage, (r, e) -> {
        seen.accept(e);
        handler.bulk(key, e);
      });
      return;
    }
    replyValues(List.of(key), stage.thenApply(e -> {
      seen.accept(e);
      return java.util.Collections.singletonList(e);
    }), false);
  }

  /**
   * Replies with the values of entries read for {@code keys}, as {@link #replyValue}: as an array
   * when {@code array} is set (MGET), else the one value.
   *
   * @param keys the keys, in the order of the entries
   * @param stage the store's stage, yielding one entry (or {@code null}) per key
   * @param array whether the reply is an array
   */
  public void replyValues(List<Key> keys, CompletionStage<List<Entry>> stage, boolean array) {
    if (!runningQueued) {
      reply(stage, (r, entries) -> {
        if (array) {
          r.array(entries.size());
        }
        handler.bulks(keys, entries, 0);
      });
      return;
    }
    reply(stage.thenCompose(entries -> {
      List<CompletionStage<byte[]>> values = new ArrayList<>(entries.size());
      for (int i = 0; i < entries.size(); i++) {
        Entry e = entries.get(i);
        values.add(e == null ? CompletableFuture.completedFuture(null)
            : !e.isChunked() ? CompletableFuture.completedFuture(e.value())
            : store().read(keys.get(i), e, 0, -1).thenCompose(reader -> reader == null
                ? CompletableFuture.completedFuture(null) : ValueStreams.collect(reader)));
      }
      return Stages.all(values);
    }), (r, values) -> {
      if (array) {
        r.array(values.size());
      }
      for (byte[] v : values) {
        r.bulk(v);
      }
    });
  }

  /**
   * Replies with a range of a key's value (GETRANGE rules), an empty bulk string for a missing
   * key; the range of a chunked value is read from the chunks it covers only, and streamed when
   * it spans more than one chunk's worth (except inside {@code EXEC}, see {@link #replyValue}).
   *
   * @param key the key
   * @param start the first byte, inclusive; negative counts from the end
   * @param end the last byte, inclusive; negative counts from the end
   */
  public void replyRange(Key key, long start, long end) {
    if (runningQueued) {
      reply(store().getRange(key, start, end), (r, slice) -> r.bulk(slice == null
          ? new byte[0] : slice.bytes()));
      return;
    }
    reply(store().get(key), (r, e) -> {
      if (e == null) {
        r.bulk(new byte[0]);
      } else if (!e.isChunked()) {
        r.bulk(ValueSlice.of(e, start, end).bytes());
      } else {
        handler.streamBulk(key, e, start, end, () -> r.bulk(new byte[0]), () -> { });
      }
    });
  }

  /**
   * Runs a command queued by {@code MULTI} as part of {@code EXEC}: its reply, or its error, is
   * written as the next element of EXEC's array.
   *
   * @return {@code null} when the reply is written, else a stage completed on the event loop once
   *     it is
   */
  CompletionStage<Void> runQueued(RespCommand command, byte[][] args) {
    runningQueued = true;
    queuedReply = null;
    try {
      handler.runQueued(command, args);
    } finally {
      runningQueued = false;
    }
    CompletionStage<Void> pending = queuedReply;
    queuedReply = null;
    return pending;
  }

  /**
   * Returns a stage that completes like {@code stage} and whose dependents run on this
   * connection's event loop: {@code stage} itself when it is already complete.
   */
  <T> CompletionStage<T> onLoop(CompletionStage<T> stage) {
    CompletableFuture<T> f = stage.toCompletableFuture();
    return f.isDone() ? f : f.whenCompleteAsync((v, e) -> { }, handler.executor());
  }

  /**
   * Runs {@code work} as a task of its own on this connection's event loop, after what is queued
   * there: long work cut into such tasks lets the loop's other connections run in between.
   *
   * @return a stage completed once it ran
   */
  CompletionStage<Void> onLoopLater(Runnable work) {
    return CompletableFuture.runAsync(work, handler.executor());
  }

  /**
   * Runs {@code section} with no other client's command on {@code keys} in between (Redis 7's
   * isolation of {@code EXEC}, {@code MSETNX}, {@code RENAME}, {@code COPY}, {@code BITOP}): on
   * this node the gate ({@link CommandGate}) keeps every other command out; in a cluster the keys'
   * owner also holds the operations on them that come through other nodes ({@link
   * CacheStore#isolated}), and {@link #store()} is the section's view meanwhile. Inside a section
   * (a command queued by MULTI) it runs at once. The section runs on this connection's event loop.
   *
   * @param keys the keys the section reads or writes, {@link CacheStore#colocated}
   * @param section the work, returning its stage
   * @param <T> the result type
   * @return the section's stage, failed as the store's {@code isolated} fails (the owner cannot be
   *     reached: {@code CLUSTERDOWN})
   */
  public <T> CompletionStage<T> exclusive(java.util.Collection<Key> keys,
      Supplier<? extends CompletionStage<T>> section) {
    if (exclusive) {
      return section.get();
    }
    Supplier<CompletionStage<T>> isolated = () -> {
      exclusive = true;
      CompletionStage<T> stage;
      try {
        stage = onLoop(ownStore.isolated(keys, view -> inSection(view, section)));
      } catch (RuntimeException e) {
        exclusive = false;
        sectionStore = null;
        throw e;
      }
      return stage.whenComplete((v, e) -> {
        exclusive = false;
        sectionStore = null;
      });
    };
    CommandGate gate = context.gate();
    return gate == null ? isolated.get() : gate.runExclusive(handler.executor(), isolated);
  }

  /** Runs a section on this connection's loop with {@code view} as its store. */
  private <T> CompletionStage<T> inSection(CacheStore view,
      Supplier<? extends CompletionStage<T>> section) {
    if (handler.executor().inEventLoop()) {
      sectionStore = view;
      return section.get();
    }
    CompletableFuture<T> done = new CompletableFuture<>();
    handler.executor().execute(() -> {
      sectionStore = view;
      try {
        section.get().whenComplete((v, t) -> {
          if (t != null) {
            done.completeExceptionally(t);
          } else {
            done.complete(v);
          }
        });
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    });
    return done;
  }

  /**
   * Counts a key lookup of a read command for {@code INFO stats}.
   *
   * @param hit whether the key was found
   */
  public void countLookup(boolean hit) {
    context.countLookup(hit);
  }

  /** Returns whether the connection may run commands that need authentication. */
  boolean authenticated() {
    return authenticated;
  }

  /** Marks the connection as authenticated ({@code AUTH}, {@code HELLO ... AUTH}). */
  void authenticate() {
    authenticated = true;
  }

  /** Returns the open {@code MULTI} transaction, or {@code null}. */
  Transaction transaction() {
    return transaction;
  }

  /** Opens a {@code MULTI} transaction. */
  void beginTransaction() {
    transaction = new Transaction();
  }

  /** Closes the open transaction and returns it. */
  Transaction endTransaction() {
    Transaction t = transaction;
    transaction = null;
    return t;
  }

  /**
   * Watches a key at the CAS version read now; a key already watched keeps its first version.
   *
   * @param key the key
   * @param cas the version read, 0 when the key is absent
   */
  void watch(Key key, Transaction.Watched seen) {
    if (watched == null) {
      watched = new LinkedHashMap<>();
    }
    watched.putIfAbsent(key, seen);
  }

  /** Forgets and returns the watched keys ({@code UNWATCH}, {@code EXEC}, {@code DISCARD}). */
  Map<Key, Transaction.Watched> unwatchAll() {
    Map<Key, Transaction.Watched> w = watched == null ? Map.of() : watched;
    watched = null;
    return w;
  }

  /** Returns the number of watched keys. */
  int watchedCount() {
    return watched == null ? 0 : watched.size();
  }

  /** Records that a command arrived, for {@code CLIENT LIST}'s idle time. */
  void touch(String fullName) {
    this.lastCommand = fullName;
    this.lastInteraction = context.ticker().millis();
  }

  /** Closes the connection now ({@code CLIENT KILL}); callable from any thread. */
  void kill() {
    channel.close();
  }

  /** Returns the local port of the connection, when it is a TCP connection. */
  java.util.OptionalInt localPort() {
    return localAddress instanceof java.net.InetSocketAddress inet
        ? java.util.OptionalInt.of(inet.getPort()) : java.util.OptionalInt.empty();
  }

  /** Returns the peer address, as {@code CLIENT LIST} prints it ({@code ip:port}). */
  String remoteAddressText() {
    return address(remoteAddress);
  }

  /** Returns the local address, as {@code CLIENT LIST} prints it ({@code ip:port}). */
  String localAddressText() {
    return address(localAddress);
  }

  /** Closes the connection after the replies written so far ({@code QUIT}). */
  public void closeAfterReplies() {
    handler.closeWhenFlushed();
  }

  /** Returns the client id, unique per server. */
  public long clientId() {
    return clientId;
  }

  /** Returns the client name set by {@code CLIENT SETNAME}, empty when none. */
  public String name() {
    return name;
  }

  /**
   * Sets the client name ({@code CLIENT SETNAME}, {@code HELLO ... SETNAME}).
   *
   * @param name the name; empty clears it
   */
  public void name(String name) {
    this.name = name;
  }

  /**
   * Sets the library name reported by {@code CLIENT SETINFO LIB-NAME}.
   *
   * @param libName the name
   */
  public void libName(String libName) {
    this.libName = libName;
  }

  /**
   * Sets the library version reported by {@code CLIENT SETINFO LIB-VER}.
   *
   * @param libVersion the version
   */
  public void libVersion(String libVersion) {
    this.libVersion = libVersion;
  }

  /**
   * Returns this connection's line of {@code CLIENT INFO} / {@code CLIENT LIST}, in Redis 7's field
   * order; fields about Redis internals Sidecache does not have (fd, buffers, memory) are 0. Read
   * from another connection's event loop ({@code CLIENT LIST}), the name and flags may be a
   * moment old.
   */
  public String infoLine() {
    long now = now();
    Transaction open = transaction;
    return "id=" + clientId
        + " addr=" + address(remoteAddress)
        + " laddr=" + address(localAddress)
        + " fd=0 name=" + name
        + " age=" + (now - createdAt) / 1000
        + " idle=" + (now - lastInteraction) / 1000
        + " flags=" + flags(open)
        + " db=0 sub=" + channels.size() + " psub=" + patterns.size() + " ssub=0"
        + " multi=" + (open != null ? open.size() : -1)
        + " qbuf=0 qbuf-free=0 argv-mem=0"
        + " multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r"
        + " cmd=" + lastCommand
        + " user=default redir=" + (tracker == null ? -1 : tracker.redirect)
        + " resp=" + reply().protocol()
        + " lib-name=" + libName
        + " lib-ver=" + libVersion;
  }

  /**
   * The {@code flags=} of {@code CLIENT LIST}: {@code P} subscribed, {@code x} in MULTI, {@code t}
   * tracking, {@code R} its redirect found broken, {@code B} broadcasting, in Redis 7.0's order;
   * {@code N} for none.
   */
  private String flags(Transaction open) {
    ClientTracking.Tracker t = tracker;
    StringBuilder f = new StringBuilder();
    if (subscribed()) {
      f.append('P');
    }
    if (open != null) {
      f.append('x');
    }
    if (t != null) {
      f.append('t');
      if (t.redirectBroken) {
        f.append('R');
      }
      if (t.bcast) {
        f.append('B');
      }
    }
    return f.length() == 0 ? "N" : f.toString();
  }

  private static String address(SocketAddress a) {
    if (a instanceof java.net.InetSocketAddress inet) {
      return inet.getAddress().getHostAddress() + ":" + inet.getPort();
    }
    return a == null ? "" : a + ":0"; // a Unix socket's path, with Redis's port 0
  }

  /** Returns the Pub/Sub channels this connection subscribed to: a live, thread-safe set. */
  Set<Key> channels() {
    return channels;
  }

  /**
   * Returns whether commands are restricted to (un)subscribing and {@code PING}: a RESP2
   * connection in Pub/Sub mode (Redis 7.0 {@code processCommand}). On the event loop.
   */
  boolean inRespTwoPubSubMode() {
    return subscriptions > 0 && reply.protocol() == 2;
  }

  /**
   * Returns whether this connection gets messages it did not ask for, without bound: it is
   * subscribed, or tracks in broadcast mode. On the event loop.
   */
  boolean receivesUnasked() {
    ClientTracking.Tracker t = tracker;
    return subscribed() || (t != null && t.bcast);
  }

  /** Marks the connection closed: it may no longer subscribe or track (it is unregistered). */
  void closed() {
    closed = true;
  }

  /** Returns whether the connection closed. */
  boolean isClosed() {
    return closed;
  }

  /** Returns the Pub/Sub patterns this connection subscribed to: a live, thread-safe set. */
  Set<Key> patterns() {
    return patterns;
  }

  /** Returns the number of channels and patterns subscribed to, as Redis's replies count them. */
  int subscriptions() {
    return subscriptions;
  }

  /** Counts a subscription more ({@code +1}) or fewer ({@code -1}); on the event loop. */
  void subscriptionsChanged(int delta) {
    subscriptions += delta;
  }

  /**
   * Returns whether this connection subscribed to a channel or pattern (Pub/Sub mode); on the
   * event loop, where it is checked before every command.
   */
  boolean subscribed() {
    return subscriptions > 0;
  }

  /**
   * Sends this connection an out-of-band message (a Pub/Sub message) of about {@code bytes}
   * written by {@code message}, from any thread: on its event loop, after the reply of the request
   * it is running.
   */
  void deliver(long bytes, Consumer<RespReply> message) {
    handler.push(bytes, message);
  }

  /** Returns what {@code CLIENT TRACKING ON} asked for, or {@code null} when tracking is off. */
  ClientTracking.Tracker tracker() {
    return tracker;
  }

  /**
   * Turns tracking on with {@code t} (replacing what was on), or off with {@code null}, which
   * also forgets {@code CLIENT CACHING}; on the event loop.
   */
  void tracking(ClientTracking.Tracker t) {
    if (closed) {
      return; // an EXEC that ran on after the connection closed must not register it again
    }
    tracker = t;
    if (t != null) {
      context.tracking().enable(t);
    } else {
      cachingGiven = false;
      context.tracking().disable(this);
    }
  }

  /** Records {@code CLIENT CACHING yes} (OPTIN) or {@code no} (OPTOUT) for the next command. */
  void giveCaching() {
    if (runningQueued) {
      queuedCaching = true; // for the rest of EXEC only: EXEC itself consumes the state
    } else {
      cachingGiven = true;
    }
  }

  /** Returns whether {@code CLIENT CACHING} was given for the next command. */
  boolean cachingGiven() {
    return runningQueued ? queuedCaching : cachingGiven;
  }

  /**
   * Runs before a command's body: a read-only command of a client tracking in default mode
   * records its keys, unless {@code OPTIN} without {@code CLIENT CACHING yes} or {@code OPTOUT}
   * with {@code CLIENT CACHING no} (Redis 7.0 {@code trackingRememberKeys}). The keys are recorded
   * before the command reads them, so a change made while the read runs is not missed.
   */
  void beforeCommand(RespCommand command, byte[][] args) {
    if (command.controlsTransaction()) {
      // EXEC's commands may run after EXEC's request has returned (an exclusive section), when
      // the caching state is gone: they see it as it was when EXEC came.
      queuedCaching = cachingGiven;
    }
    ClientTracking.Tracker t = tracker;
    if (t == null) {
      return;
    }
    boolean caching = runningQueued ? queuedCaching : cachingGiven;
    if (t.bcast || !command.isReadOnly() || (t.optIn && !caching) || (t.optOut && caching)) {
      return;
    }
    ClientTracking tracking = context.tracking();
    command.forEachKey(args, k -> tracking.remember(this, Key.of(k)));
  }

  /**
   * Runs after each request, answered or refused: {@code CLIENT CACHING} applies to the next
   * command, or to the next transaction when given before {@code MULTI}, so any other command
   * outside {@code MULTI} forgets it, as Redis 7.0's {@code resetClient} (a {@code CLIENT}
   * subcommand keeps it).
   *
   * @param command the command, or {@code null} when it was unknown
   */
  void afterCommand(RespCommand command) {
    if (cachingGiven && transaction == null
        && (command == null || !command.fullName().startsWith("client|"))) {
      cachingGiven = false;
    }
  }

  /**
   * Sends an invalidation of {@code key} ({@code null}: of every key) to this connection, from any
   * thread; {@code prefix} is the broadcast prefix it matched, {@code null} in default mode. See
   * {@link RespServerHandler#invalidate}.
   */
  void invalidated(Key key, byte[] prefix) {
    handler.invalidate(key, prefix);
  }

  /** Tells this tracking client that the client it redirects to is gone; from any thread. */
  void redirectBroken(long redirect) {
    handler.redirectBroken(redirect);
  }
}
