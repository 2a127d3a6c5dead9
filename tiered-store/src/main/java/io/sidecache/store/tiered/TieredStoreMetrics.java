package io.sidecache.store.tiered;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.sidecache.store.StoreMetrics;
import io.sidecache.store.disk.DiskTier;
import java.util.concurrent.TimeUnit;

/**
 * Meters of the disk tier and of the movement between tiers, tagged {@code tier=disk} beside the
 * memory tier's {@code StoreMetrics}: {@code sidecache.store.keys}, {@code
 * sidecache.store.bytes}, {@code sidecache.store.max.bytes} (gauges), {@code
 * sidecache.store.evictions}, {@code sidecache.store.expirations}, {@code
 * sidecache.store.gets} by {@code result} (hit/miss of reads that looked a record up), {@code
 * sidecache.store.demotions}, {@code sidecache.store.demotions.shed}, {@code
 * sidecache.store.promotions}, {@code sidecache.store.checksum.failures} and {@code
 * sidecache.store.faults} (counters), {@code sidecache.store.pending.bytes} (gauge), and the
 * function timers {@code sidecache.store.disk.reads} and {@code sidecache.store.disk.writes}
 * (count and total time of record lookups and writes; mean latency = total / count). Reads
 * happen at scrape time; thread-safe.
 */
public final class TieredStoreMetrics implements MeterBinder {
  private final TieredStore store;

  /**
   * Creates the binder.
   *
   * @param store the tiered store, must not be {@code null}
   */
  public TieredStoreMetrics(TieredStore store) {
    this.store = store;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    DiskTier disk = store.diskTier();
    String tier = "disk";
    Gauge.builder("sidecache.store.keys", disk, DiskTier::entries).tag("tier", tier)
        .description("Records in the tier").register(registry);
    Gauge.builder("sidecache.store.bytes", disk, DiskTier::bytes).tag("tier", tier)
        .baseUnit("bytes").description("Bytes accounted against the bound").register(registry);
    Gauge.builder("sidecache.store.max.bytes", disk, DiskTier::maximumBytes).tag("tier", tier)
        .baseUnit("bytes").description("Configured bound").register(registry);
    Gauge.builder("sidecache.store.pending.bytes", store, TieredStore::pendingBytes)
        .tag("tier", tier).baseUnit("bytes")
        .description("Evicted entries waiting to be written").register(registry);
    counter(registry, "sidecache.store.evictions", disk, DiskTier::evictions, tier,
        "Entries evicted to stay within the bound");
    counter(registry, "sidecache.store.expirations", disk, DiskTier::expirations, tier,
        "Expired entries reclaimed");
    FunctionCounter.builder("sidecache.store.gets", disk, DiskTier::hits).tag("tier", tier)
        .tag("result", "hit").description(StoreMetrics.GETS).register(registry);
    FunctionCounter.builder("sidecache.store.gets", disk, d -> d.reads() - d.hits())
        .tag("tier", tier).tag("result", "miss").description(StoreMetrics.GETS)
        .register(registry);
    counter(registry, "sidecache.store.demotions", store, TieredStore::demotions, tier,
        "Entries moved from the memory tier to disk");
    counter(registry, "sidecache.store.demotions.shed", store, TieredStore::shedDemotions, tier,
        "Evicted entries dropped because the disk writer fell behind");
    counter(registry, "sidecache.store.promotions", store, TieredStore::promotions, tier,
        "Entries moved from disk to the memory tier by a read");
    counter(registry, "sidecache.store.checksum.failures", disk, DiskTier::checksumFailures,
        tier, "Records that failed their checksum (dropped, read as misses)");
    counter(registry, "sidecache.store.faults", disk, DiskTier::faults, tier,
        "Disk tier failures that took it out of service until restart");
    FunctionTimer.builder("sidecache.store.disk.reads", disk, DiskTier::reads,
        DiskTier::readNanos, TimeUnit.NANOSECONDS).tag("tier", tier)
        .description("Record lookups and their time").register(registry);
    FunctionTimer.builder("sidecache.store.disk.writes", disk, DiskTier::writes,
        DiskTier::writeNanos, TimeUnit.NANOSECONDS).tag("tier", tier)
        .description("Record writes and their time").register(registry);
  }

  private static <T> void counter(MeterRegistry registry, String name, T obj,
      java.util.function.ToDoubleFunction<T> f, String tier, String description) {
    FunctionCounter.builder(name, obj, f).tag("tier", tier).description(description)
        .register(registry);
  }
}
