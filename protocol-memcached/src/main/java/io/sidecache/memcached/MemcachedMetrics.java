package io.sidecache.memcached;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * Exposes a memcached listener's {@link MemcachedStats} to Micrometer, so that what {@code stats}
 * answers and what is scraped are the same counters: {@code sidecache.memcached.commands} (tag
 * {@code command} = get, set, flush, touch), {@code sidecache.memcached.lookups} (tags {@code
 * command}, {@code result} = hit, miss, badval), {@code sidecache.memcached.connections} (gauge),
 * and {@code sidecache.memcached.bytes} (tag {@code direction}). Read at scrape time only.
 * Thread-safe.
 */
public final class MemcachedMetrics implements MeterBinder {
  private final MemcachedStats stats;

  /**
   * Creates the binder.
   *
   * @param stats the listener's counters, must not be {@code null}
   */
  public MemcachedMetrics(MemcachedStats stats) {
    this.stats = stats;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    command(registry, "get", MemcachedStats::cmdGet);
    command(registry, "set", MemcachedStats::cmdSet);
    command(registry, "flush", MemcachedStats::cmdFlush);
    command(registry, "touch", MemcachedStats::cmdTouch);
    lookup(registry, "get", "hit", MemcachedStats::getHits);
    lookup(registry, "get", "miss", MemcachedStats::getMisses);
    lookup(registry, "delete", "hit", MemcachedStats::deleteHits);
    lookup(registry, "delete", "miss", MemcachedStats::deleteMisses);
    lookup(registry, "incr", "hit", MemcachedStats::incrHits);
    lookup(registry, "incr", "miss", MemcachedStats::incrMisses);
    lookup(registry, "decr", "hit", MemcachedStats::decrHits);
    lookup(registry, "decr", "miss", MemcachedStats::decrMisses);
    lookup(registry, "cas", "hit", MemcachedStats::casHits);
    lookup(registry, "cas", "miss", MemcachedStats::casMisses);
    lookup(registry, "cas", "badval", MemcachedStats::casBadval);
    lookup(registry, "touch", "hit", MemcachedStats::touchHits);
    lookup(registry, "touch", "miss", MemcachedStats::touchMisses);
    Gauge.builder("sidecache.memcached.connections", stats, MemcachedStats::currConnections)
        .description("Open memcached connections").register(registry);
    bytes(registry, "in", MemcachedStats::bytesRead);
    bytes(registry, "out", MemcachedStats::bytesWritten);
  }

  private void command(MeterRegistry r, String command, ToDoubleFunction<MemcachedStats> f) {
    FunctionCounter.builder("sidecache.memcached.commands", stats, f)
        .tags("protocol", "memcached", "command", command)
        .description("memcached commands (stats cmd_*)").register(r);
  }

  private void lookup(
      MeterRegistry r, String command, String result, ToDoubleFunction<MemcachedStats> f) {
    FunctionCounter.builder("sidecache.memcached.lookups", stats, f)
        .tags("protocol", "memcached", "command", command, "result", result)
        .description("memcached key lookups by result (stats *_hits, *_misses)").register(r);
  }

  private void bytes(MeterRegistry r, String direction, ToDoubleFunction<MemcachedStats> f) {
    FunctionCounter.builder("sidecache.memcached.bytes", stats, f)
        .tags("direction", direction).baseUnit("bytes")
        .description("Bytes read and written on memcached connections").register(r);
  }
}
