package io.sidecache.resp;

import io.sidecache.store.CacheStore;
import io.sidecache.store.Ticker;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What all RESP connections of one server share: the store, the clock, the limits, the command
 * table and the client id sequence. Thread-safe.
 */
public final class RespServerContext {
  private final CacheStore store;
  private final Ticker ticker;
  private final RespLimits limits;
  private final RespCommands commands;
  private final AtomicLong clientIds = new AtomicLong();

  /**
   * Creates the context.
   *
   * @param store the keyspace, must not be {@code null}
   * @param ticker the clock for expiry arithmetic, the same one the store uses
   * @param limits the decoder limits
   * @param commands the command table
   */
  public RespServerContext(
      CacheStore store, Ticker ticker, RespLimits limits, RespCommands commands) {
    this.store = store;
    this.ticker = ticker;
    this.limits = limits;
    this.commands = commands;
  }

  /** Returns the keyspace. */
  public CacheStore store() {
    return store;
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

  long nextClientId() {
    return clientIds.incrementAndGet();
  }
}
