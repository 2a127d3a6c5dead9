package io.sidecache.resp;

import io.sidecache.store.CacheStore;
import io.sidecache.store.Ticker;
import java.net.SocketAddress;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

/**
 * What a command body sees of its connection: the store, the clock, the reply writer and the
 * per-connection state (client id, name, library). Not thread-safe: used on the connection's
 * event loop only.
 */
public final class RespSession {
  private final RespServerHandler handler;
  private final RespServerContext context;
  private final RespReply reply;
  private final long clientId;
  private final long createdAt;
  private final SocketAddress remoteAddress;
  private final SocketAddress localAddress;
  private String name = "";
  private String libName = "";
  private String libVersion = "";
  private String lastCommand = "NULL";

  RespSession(
      RespServerHandler handler,
      RespServerContext context,
      RespReply reply,
      SocketAddress remoteAddress,
      SocketAddress localAddress) {
    this.handler = handler;
    this.context = context;
    this.reply = reply;
    this.clientId = context.nextClientId();
    this.createdAt = context.ticker().millis();
    this.remoteAddress = remoteAddress;
    this.localAddress = localAddress;
  }

  /** Returns the keyspace. */
  public CacheStore store() {
    return context.store();
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
    handler.replyWhenDone(stage, writer);
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

  void lastCommand(String fullName) {
    this.lastCommand = fullName;
  }

  /**
   * Returns this connection's line of {@code CLIENT INFO} / {@code CLIENT LIST}, in Redis 7's field
   * order; fields about Redis internals Sidecache does not have (fd, buffers, memory) are 0.
   */
  public String infoLine() {
    long ageSeconds = (now() - createdAt) / 1000;
    return "id=" + clientId
        + " addr=" + address(remoteAddress)
        + " laddr=" + address(localAddress)
        + " fd=0 name=" + name
        + " age=" + ageSeconds
        + " idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 argv-mem=0"
        + " multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r"
        + " cmd=" + lastCommand
        + " user=default redir=-1 resp=2"
        + " lib-name=" + libName
        + " lib-ver=" + libVersion;
  }

  private static String address(SocketAddress a) {
    if (a instanceof java.net.InetSocketAddress inet) {
      return inet.getAddress().getHostAddress() + ":" + inet.getPort();
    }
    return a == null ? "" : a.toString();
  }
}
