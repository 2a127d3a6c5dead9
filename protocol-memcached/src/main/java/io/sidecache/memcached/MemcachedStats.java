package io.sidecache.memcached;

import java.util.concurrent.atomic.LongAdder;

/**
 * The command and connection counters of one memcached listener, shared by its text and binary
 * connections, with memcached 1.6's names and meanings ({@code doc/protocol.txt}, "General-purpose
 * statistics").
 *
 * <p>Every counter counts since the listener started or since the last {@link #reset()} ({@code
 * stats reset}), except {@link #currConnections()}, which is a gauge. Counters are {@link
 * LongAdder}s: cheap to increment from every event loop at once, read as plain getters (for
 * {@code stats} and for metrics registries). Thread-safe; a read while others increment sees a
 * value that was current at some moment during the read.
 */
public final class MemcachedStats {
  private final long startedAtMillis;

  private final LongAdder currConnections = new LongAdder();
  private final LongAdder totalConnections = new LongAdder();
  private final LongAdder cmdGet = new LongAdder();
  private final LongAdder cmdSet = new LongAdder();
  private final LongAdder cmdFlush = new LongAdder();
  private final LongAdder cmdTouch = new LongAdder();
  private final LongAdder getHits = new LongAdder();
  private final LongAdder getMisses = new LongAdder();
  private final LongAdder deleteHits = new LongAdder();
  private final LongAdder deleteMisses = new LongAdder();
  private final LongAdder incrHits = new LongAdder();
  private final LongAdder incrMisses = new LongAdder();
  private final LongAdder decrHits = new LongAdder();
  private final LongAdder decrMisses = new LongAdder();
  private final LongAdder casHits = new LongAdder();
  private final LongAdder casMisses = new LongAdder();
  private final LongAdder casBadval = new LongAdder();
  private final LongAdder touchHits = new LongAdder();
  private final LongAdder touchMisses = new LongAdder();
  private final LongAdder authCmds = new LongAdder();
  private final LongAdder authErrors = new LongAdder();
  private final LongAdder bytesRead = new LongAdder();
  private final LongAdder bytesWritten = new LongAdder();
  private final PrefixStats prefixes = new PrefixStats();

  /**
   * Creates counters at zero.
   *
   * @param startedAtMillis when the listener started, in milliseconds since the epoch (the origin
   *     of {@code uptime})
   */
  public MemcachedStats(long startedAtMillis) {
    this.startedAtMillis = startedAtMillis;
  }

  /**
   * Sets every counter back to zero ({@code stats reset}); the connection gauge and the start time
   * are kept, as memcached keeps them.
   */
  public void reset() {
    for (LongAdder a : new LongAdder[] {totalConnections, cmdGet, cmdSet, cmdFlush, cmdTouch,
        getHits, getMisses, deleteHits, deleteMisses, incrHits, incrMisses, decrHits, decrMisses,
        casHits, casMisses, casBadval, touchHits, touchMisses, authCmds, authErrors, bytesRead,
        bytesWritten}) {
      a.reset();
    }
    prefixes.clear();
  }

  /** Returns when the listener started, in milliseconds since the epoch. */
  public long startedAtMillis() {
    return startedAtMillis;
  }

  void connectionOpened() {
    currConnections.increment();
    totalConnections.increment();
  }

  void connectionClosed() {
    currConnections.decrement();
  }

  /** Counts one key of a retrieval: {@code cmd_get}, a hit or a miss, and its prefix. */
  void get(byte[] key, boolean hit) {
    cmdGet.increment();
    (hit ? getHits : getMisses).increment();
    prefixes.get(key, hit);
  }

  /**
   * Counts one storage command ({@code set}, {@code add}, ..., {@code append}, {@code cas}) and
   * its key's prefix.
   */
  void set(byte[] key) {
    cmdSet.increment();
    prefixes.set(key);
  }

  /** Returns the per-prefix statistics ({@code stats detail}). */
  PrefixStats prefixes() {
    return prefixes;
  }

  /** Counts the outcome of a compare-and-swap: a hit, a miss (no item) or a bad value. */
  void cas(boolean hit, boolean exists) {
    (hit ? casHits : exists ? casBadval : casMisses).increment();
  }

  void flush() {
    cmdFlush.increment();
  }

  /** Counts one touch (or get-and-touch): {@code cmd_touch} and a hit or a miss. */
  void touch(boolean hit) {
    cmdTouch.increment();
    (hit ? touchHits : touchMisses).increment();
  }

  /** Counts one delete, hit or miss, and its key's prefix. */
  void delete(byte[] key, boolean hit) {
    (hit ? deleteHits : deleteMisses).increment();
    prefixes.delete(key);
  }

  /** Counts one incr or decr, hit or miss. */
  void arithmetic(boolean decrement, boolean hit) {
    if (decrement) {
      (hit ? decrHits : decrMisses).increment();
    } else {
      (hit ? incrHits : incrMisses).increment();
    }
  }

  /** Counts one SASL authentication attempt. */
  void auth(boolean ok) {
    authCmds.increment();
    if (!ok) {
      authErrors.increment();
    }
  }

  void read(long bytes) {
    bytesRead.add(bytes);
  }

  void written(long bytes) {
    bytesWritten.add(bytes);
  }

  /** Returns the number of open connections ({@code curr_connections}). */
  public long currConnections() {
    return currConnections.sum();
  }

  /** Returns the number of connections accepted ({@code total_connections}). */
  public long totalConnections() {
    return totalConnections.sum();
  }

  /** Returns the number of keys requested by retrievals ({@code cmd_get}). */
  public long cmdGet() {
    return cmdGet.sum();
  }

  /** Returns the number of storage commands ({@code cmd_set}). */
  public long cmdSet() {
    return cmdSet.sum();
  }

  /** Returns the number of flushes ({@code cmd_flush}). */
  public long cmdFlush() {
    return cmdFlush.sum();
  }

  /** Returns the number of touches, get-and-touch included ({@code cmd_touch}). */
  public long cmdTouch() {
    return cmdTouch.sum();
  }

  /** Returns the number of keys found by retrievals ({@code get_hits}). */
  public long getHits() {
    return getHits.sum();
  }

  /** Returns the number of keys not found by retrievals ({@code get_misses}). */
  public long getMisses() {
    return getMisses.sum();
  }

  /** Returns {@code delete_hits}. */
  public long deleteHits() {
    return deleteHits.sum();
  }

  /** Returns {@code delete_misses}. */
  public long deleteMisses() {
    return deleteMisses.sum();
  }

  /** Returns {@code incr_hits}. */
  public long incrHits() {
    return incrHits.sum();
  }

  /** Returns {@code incr_misses}. */
  public long incrMisses() {
    return incrMisses.sum();
  }

  /** Returns {@code decr_hits}. */
  public long decrHits() {
    return decrHits.sum();
  }

  /** Returns {@code decr_misses}. */
  public long decrMisses() {
    return decrMisses.sum();
  }

  /** Returns {@code cas_hits}: compare-and-swaps that stored. */
  public long casHits() {
    return casHits.sum();
  }

  /** Returns {@code cas_misses}: compare-and-swaps on a missing key. */
  public long casMisses() {
    return casMisses.sum();
  }

  /** Returns {@code cas_badval}: compare-and-swaps refused for a stale CAS. */
  public long casBadval() {
    return casBadval.sum();
  }

  /** Returns {@code touch_hits}. */
  public long touchHits() {
    return touchHits.sum();
  }

  /** Returns {@code touch_misses}. */
  public long touchMisses() {
    return touchMisses.sum();
  }

  /** Returns {@code auth_cmds}: SASL authentication attempts. */
  public long authCmds() {
    return authCmds.sum();
  }

  /** Returns {@code auth_errors}: failed SASL authentication attempts. */
  public long authErrors() {
    return authErrors.sum();
  }

  /** Returns {@code bytes_read}: bytes received on memcached connections. */
  public long bytesRead() {
    return bytesRead.sum();
  }

  /** Returns {@code bytes_written}: bytes sent on memcached connections. */
  public long bytesWritten() {
    return bytesWritten.sum();
  }
}
