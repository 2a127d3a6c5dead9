package io.sidecache.memcached;

import io.sidecache.protocol.CommandMetrics;
import io.sidecache.store.CacheStore;
import io.sidecache.store.DiskStats;
import io.sidecache.store.StoreStats;
import io.sidecache.store.Ticker;

/**
 * Produces the statistics of a memcached {@code stats [group]} request, with memcached 1.6's
 * names ({@code doc/protocol.txt}, "Statistics"), for the text and binary writers alike.
 *
 * <p>Groups: none (general-purpose statistics), {@code settings}, {@code items} and {@code slabs}
 * (Sidecache has no slab classes, so both are empty). Numbers Sidecache cannot know are left out
 * rather than invented. {@code reset} is the caller's, as its reply differs per protocol.
 * Thread-safe.
 */
final class StatsReport {
  /** Receives statistics in order. */
  interface Sink {
    /**
     * Receives one statistic.
     *
     * @param name the name, ASCII without spaces
     * @param value the value, ASCII
     */
    void stat(String name, String value);
  }

  private static final String POINTER_SIZE =
      System.getProperty("sun.arch.data.model", "64").equals("32") ? "32" : "64";

  private final MemcachedStats stats;
  private final CacheStore store;
  private final Ticker ticker;
  private final int maxItemSize;
  private final int threads;
  private final boolean sasl;
  private final CommandMetrics commands;

  StatsReport(
      MemcachedStats stats,
      CacheStore store,
      Ticker ticker,
      int maxItemSize,
      int threads,
      boolean sasl,
      CommandMetrics commands) {
    this.stats = stats;
    this.store = store;
    this.ticker = ticker;
    this.maxItemSize = maxItemSize;
    this.threads = threads;
    this.sasl = sasl;
    this.commands = commands;
  }

  /** Returns the listener's counters. */
  MemcachedStats stats() {
    return stats;
  }

  /** Returns the listener's command timers ({@code protocol=memcached}). */
  CommandMetrics commands() {
    return commands;
  }

  /**
   * Writes one group.
   *
   * @param group the group name, empty for the general statistics, must not be {@code null}
   * @param tcpPort the listener's port, for {@code stats settings}
   * @param sink where to write, must not be {@code null}
   * @return {@code false} when the group is unknown (nothing was written)
   */
  boolean write(String group, int tcpPort, Sink sink) {
    switch (group) {
      case "":
        general(sink);
        return true;
      case "settings":
        settings(tcpPort, sink);
        return true;
      case "items":
      case "slabs":
        return true;
      default:
        return false;
    }
  }

  private void general(Sink sink) {
    long now = ticker.millis();
    StoreStats numbers = store.stats();
    MemcachedStats s = stats;
    sink.stat("pid", Long.toString(ProcessHandle.current().pid()));
    sink.stat("uptime", Long.toString(Math.max(0, (now - s.startedAtMillis()) / 1000)));
    sink.stat("time", Long.toString(now / 1000));
    sink.stat("version", MemcachedServerHandler.VERSION);
    sink.stat("pointer_size", POINTER_SIZE);
    sink.stat("curr_connections", Long.toString(s.currConnections()));
    sink.stat("total_connections", Long.toString(s.totalConnections()));
    sink.stat("cmd_get", Long.toString(s.cmdGet()));
    sink.stat("cmd_set", Long.toString(s.cmdSet()));
    sink.stat("cmd_flush", Long.toString(s.cmdFlush()));
    sink.stat("cmd_touch", Long.toString(s.cmdTouch()));
    sink.stat("get_hits", Long.toString(s.getHits()));
    sink.stat("get_misses", Long.toString(s.getMisses()));
    sink.stat("delete_misses", Long.toString(s.deleteMisses()));
    sink.stat("delete_hits", Long.toString(s.deleteHits()));
    sink.stat("incr_misses", Long.toString(s.incrMisses()));
    sink.stat("incr_hits", Long.toString(s.incrHits()));
    sink.stat("decr_misses", Long.toString(s.decrMisses()));
    sink.stat("decr_hits", Long.toString(s.decrHits()));
    sink.stat("cas_misses", Long.toString(s.casMisses()));
    sink.stat("cas_hits", Long.toString(s.casHits()));
    sink.stat("cas_badval", Long.toString(s.casBadval()));
    sink.stat("touch_hits", Long.toString(s.touchHits()));
    sink.stat("touch_misses", Long.toString(s.touchMisses()));
    sink.stat("auth_cmds", Long.toString(s.authCmds()));
    sink.stat("auth_errors", Long.toString(s.authErrors()));
    sink.stat("bytes_read", Long.toString(s.bytesRead()));
    sink.stat("bytes_written", Long.toString(s.bytesWritten()));
    sink.stat("limit_maxbytes", Long.toString(numbers.maximumBytes()));
    sink.stat("threads", Integer.toString(threads));
    sink.stat("bytes", Long.toString(numbers.usedBytes()));
    sink.stat("curr_items", Long.toString(numbers.keys()));
    sink.stat("evictions", Long.toString(numbers.evictions()));
    numbers.disk().ifPresent(d -> extstore(d, sink));
  }

  /**
   * The disk tier under memcached 1.6 extstore's names, where the meaning matches (memcached
   * {@code doc/protocol.txt} and {@code stats} with {@code -o ext_path}); extstore's page and
   * compaction figures have no counterpart and are left out.
   */
  private static void extstore(DiskStats d, Sink sink) {
    sink.stat("get_extstore", Long.toString(d.reads()));
    sink.stat("recache_from_extstore", Long.toString(d.promotions()));
    sink.stat("miss_from_extstore", Long.toString(d.misses()));
    sink.stat("badcrc_from_extstore", Long.toString(d.checksumFailures()));
    sink.stat("extstore_objects_evicted", Long.toString(d.evictions()));
    sink.stat("extstore_objects_read", Long.toString(d.hits()));
    sink.stat("extstore_objects_written", Long.toString(d.writes()));
    sink.stat("extstore_objects_used", Long.toString(d.keys()));
    sink.stat("extstore_bytes_written", Long.toString(d.bytesWritten()));
    sink.stat("extstore_bytes_read", Long.toString(d.bytesRead()));
    sink.stat("extstore_bytes_used", Long.toString(d.usedBytes()));
    sink.stat("extstore_limit_maxbytes", Long.toString(d.maximumBytes()));
    sink.stat("extstore_io_queue", Long.toString(d.pendingKeys()));
  }

  private void settings(int tcpPort, Sink sink) {
    sink.stat("maxbytes", Long.toString(store.stats().maximumBytes()));
    sink.stat("tcpport", Integer.toString(tcpPort));
    sink.stat("udpport", "0");
    sink.stat("evictions", "on");
    sink.stat("num_threads", Integer.toString(threads));
    sink.stat("cas_enabled", "yes");
    sink.stat("binding_protocol", sasl ? "binary" : "auto-negotiate");
    sink.stat("auth_enabled_sasl", sasl ? "yes" : "no");
    sink.stat("auth_enabled_ascii", "no");
    sink.stat("item_size_max", Integer.toString(maxItemSize));
    sink.stat("flush_enabled", "yes");
  }
}
