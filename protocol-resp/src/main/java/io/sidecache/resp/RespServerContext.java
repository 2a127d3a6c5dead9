package io.sidecache.resp;

import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.store.CacheStore;
import io.sidecache.store.NotifyingStore;
import io.sidecache.store.Ticker;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What all RESP connections of one server share: the store, the clock, the limits, the command
 * table, the gate for exclusive sections, the password, and the connected clients. Thread-safe.
 */
public final class RespServerContext {
  private final NotifyingStore store;
  private final ClientTracking tracking;
  private final PubSub pubSub = new PubSub();
  private final Ticker ticker;
  private final RespLimits limits;
  private final RespCommands commands;
  private final CommandGate gate;
  private final CommandMetrics metrics;
  private final Map<RespCommand, CommandMetrics.Meter> meters = new IdentityHashMap<>();
  private final CommandMetrics.Meter unknownCommands;
  private final long startedAt;
  private final AtomicLong clientIds = new AtomicLong();
  private final AtomicLong connectionsReceived = new AtomicLong();
  private final LongAdder keyspaceHits = new LongAdder();
  private final LongAdder keyspaceMisses = new LongAdder();
  private final Map<Long, RespSession> clients = new ConcurrentHashMap<>();
  private volatile byte[] password;
  private volatile java.util.function.Supplier<Map<String, Object>> clusterFields = Map::of;

  /**
   * Creates a context without a gate (no isolation for {@code EXEC} against other connections)
   * and without a password; for tests and embedding.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock for expiry arithmetic, the same one the store uses
   * @param limits the decoder limits
   * @param commands the command table
   */
  public RespServerContext(
      CacheStore store, Ticker ticker, RespLimits limits, RespCommands commands) {
    this(store, ticker, limits, commands, null, null, CommandMetrics.unregistered("resp"));
  }

  /**
   * Creates the context.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock for expiry arithmetic, the same one the store uses
   * @param limits the decoder limits
   * @param commands the command table
   * @param gate the gate shared by every protocol's handlers of this node, or {@code null}
   * @param password the password of the {@code default} user ({@code requirepass}), or {@code
   *     null} for none
   * @param metrics the command counters, must not be {@code null}
   */
  public RespServerContext(
      CacheStore store,
      Ticker ticker,
      RespLimits limits,
      RespCommands commands,
      CommandGate gate,
      String password,
      CommandMetrics metrics) {
    this(store, ticker, limits, commands, gate, password, metrics,
        new ClientTracking(ClientTracking.DEFAULT_MAX_KEYS));
  }

  /**
   * Creates the context with the client tracking its store's own expiries and evictions are
   * reported to ({@code MemoryStore.Builder.keyChanges}); the changes made through any protocol
   * are reported by {@link #store()}.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock for expiry arithmetic, the same one the store uses
   * @param limits the decoder limits
   * @param commands the command table
   * @param gate the gate shared by every protocol's handlers of this node, or {@code null}
   * @param password the password of the {@code default} user ({@code requirepass}), or {@code
   *     null} for none
   * @param metrics the command counters, must not be {@code null}
   * @param tracking the client-side caching state, must not be {@code null}
   */
  public RespServerContext(
      CacheStore store,
      Ticker ticker,
      RespLimits limits,
      RespCommands commands,
      CommandGate gate,
      String password,
      CommandMetrics metrics,
      ClientTracking tracking) {
    this.tracking = tracking;
    this.store = new NotifyingStore(store, tracking);
    tracking.clients(clients::get);
    this.ticker = ticker;
    this.limits = limits;
    this.commands = commands;
    this.gate = gate;
    this.metrics = metrics;
    this.startedAt = ticker.millis();
    for (RespCommand c : commands.all()) {
      meters.put(c, metrics.meter(c.fullName()));
      for (RespCommand sub : c.subcommands()) {
        meters.put(sub, metrics.meter(sub.fullName()));
      }
    }
    this.unknownCommands = metrics.meter("unknown");
    password(password);
  }

  /** Returns the command counters. */
  CommandMetrics metrics() {
    return metrics;
  }

  /** Returns the meter of a command of the table, or of unknown commands for {@code null}. */
  CommandMetrics.Meter meter(RespCommand command) {
    return command == null ? unknownCommands : meters.get(command);
  }

  /**
   * Returns the keyspace as every protocol of this node should use it: its changes are reported to
   * client tracking (with no origin; a RESP connection uses {@link #storeFor} its own id).
   */
  public CacheStore store() {
    return store;
  }

  /** Returns the keyspace whose changes carry the id of client {@code clientId}. */
  CacheStore storeFor(long clientId) {
    return store.from(clientId);
  }

  /** Returns the client-side caching state. */
  ClientTracking tracking() {
    return tracking;
  }

  /** Returns the Pub/Sub channels and patterns of this node. */
  PubSub pubSub() {
    return pubSub;
  }

  /** Returns the clock, in milliseconds since the epoch. */
  public Ticker ticker() {
    return ticker;
  }

  /** Returns the decoder limits. */
  public RespLimits limits() {
    return limits;
  }

  /** Returns the command table. */
  public RespCommands commands() {
    return commands;
  }

  /**
   * Returns what {@code INFO everything} reports, for reports outside a RESP connection (HTTP
   * {@code /stats}): each section by its lower-case name ({@code server}, {@code stats}, ...), in
   * {@code INFO}'s order, holding its fields in order with the values {@code INFO} prints (numbers
   * as {@link Number}s). {@code tcp_port} is left out, as it belongs to a connection. Thread-safe.
   *
   * @return the sections, a new mutable map
   */
  public Map<String, Map<String, Object>> info() {
    Map<String, Map<String, Object>> sections = new LinkedHashMap<>();
    InfoCommand.everything(this, ticker.millis(), new InfoCommand.Sink() {
      private Map<String, Object> current;

      @Override
      public void section(String title) {
        current = new LinkedHashMap<>();
        sections.put(title.toLowerCase(Locale.ROOT), current);
      }

      @Override
      public void field(String name, Object value) {
        current.put(name, value);
      }
    });
    return sections;
  }

  /** Returns the gate for exclusive sections, or {@code null}. */
  CommandGate gate() {
    return gate;
  }

  /** Returns when the server started, in milliseconds since the epoch. */
  long startedAt() {
    return startedAt;
  }

  /**
   * Sets the fields {@code INFO cluster} reports after {@code cluster_enabled:0}: the node
   * assembling the process describes its cluster there, which this module knows nothing of.
   *
   * @param fields called on each {@code INFO}, on an event loop (quick, non-blocking); returns
   *     names to values in a stable order
   */
  public void clusterFields(java.util.function.Supplier<Map<String, Object>> fields) {
    this.clusterFields = java.util.Objects.requireNonNull(fields, "fields");
  }

  /** Returns the fields {@code INFO cluster} adds after {@code cluster_enabled}. */
  Map<String, Object> clusterFields() {
    return clusterFields.get();
  }

  /**
   * Sets the password of the {@code default} user (Redis {@code requirepass}); connections opened
   * afterwards must authenticate. Connections already authenticated stay so, as in Redis.
   *
   * @param password the password, or {@code null} or empty for none
   */
  public void password(String password) {
    this.password =
        password == null || password.isEmpty()
            ? null
            : password.getBytes(StandardCharsets.UTF_8);
  }

  /** Returns the password as {@code CONFIG GET requirepass} shows it, empty when none. */
  String passwordText() {
    byte[] p = password;
    return p == null ? "" : new String(p, StandardCharsets.UTF_8);
  }

  /** Returns whether a password is configured. */
  boolean requiresPassword() {
    return password != null;
  }

  /**
   * Checks a password in time independent of where it differs.
   *
   * @return {@code true} when no password is configured (Redis's {@code nopass}) or it matches
   */
  boolean passwordMatches(byte[] candidate) {
    byte[] p = password;
    return p == null || MessageDigest.isEqual(p, candidate);
  }

  /**
   * Counts a key lookup of a read command for {@code INFO stats} ({@code keyspace_hits}, {@code
   * keyspace_misses}).
   *
   * @param hit whether the key was found
   */
  void countLookup(boolean hit) {
    (hit ? keyspaceHits : keyspaceMisses).increment();
  }

  long keyspaceHits() {
    return keyspaceHits.sum();
  }

  long keyspaceMisses() {
    return keyspaceMisses.sum();
  }

  /** Resets the statistics ({@code CONFIG RESETSTAT}). */
  void resetStats() {
    keyspaceHits.reset();
    keyspaceMisses.reset();
    metrics.reset();
  }

  long nextClientId() {
    return clientIds.incrementAndGet();
  }

  void register(RespSession session) {
    connectionsReceived.incrementAndGet();
    clients.put(session.clientId(), session);
  }

  void unregister(RespSession session) {
    session.closed();
    clients.remove(session.clientId());
    tracking.disable(session);
    pubSub.leave(session);
  }

  /** Returns the connected clients; a weakly consistent view. */
  Collection<RespSession> clients() {
    return clients.values();
  }

  /** Returns the number of connections accepted since start. */
  long connectionsReceived() {
    return connectionsReceived.get();
  }
}
