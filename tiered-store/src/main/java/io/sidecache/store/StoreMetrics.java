package io.sidecache.store;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Binds a store's {@link CacheStore#stats() counters} to Micrometer, in the shape of Micrometer's
 * cache binders with a {@code tier} tag: {@code sidecache.store.keys} and {@code
 * sidecache.store.bytes} (gauges), {@code sidecache.store.max.bytes} (gauge), {@code
 * sidecache.store.evictions}, {@code sidecache.store.expirations} and {@code
 * sidecache.store.gets} with {@code result=hit|miss} (counters). Reads happen at
 * scrape time; nothing is added to the store's hot path. Thread-safe.
 */
public final class StoreMetrics implements MeterBinder {
  private final CacheStore store;
  private final String tier;

  /** The description of {@code sidecache.store.gets}, which every tier's binder shares. */
  public static final String GETS =
      "Key lookups in the tier, by result (a memory-tier miss asks the disk tier)";

  /**
   * Creates the binder of the memory tier.
   *
   * @param store the store to read, must not be {@code null}
   */
  public StoreMetrics(CacheStore store) {
    this(store, "memory");
  }

  /**
   * Creates the binder.
   *
   * @param store the store to read, must not be {@code null}
   * @param tier the {@code tier} tag, e.g. {@code memory}
   */
  public StoreMetrics(CacheStore store, String tier) {
    this.store = store;
    this.tier = tier;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("sidecache.store.keys", store, s -> s.stats().keys())
        .tag("tier", tier).description("Keys held, expired ones not yet reclaimed included")
        .register(registry);
    Gauge.builder("sidecache.store.keys.expiring", store, s -> s.stats().expiring().count())
        .tag("tier", tier).description("Keys held that carry an expiry time (INFO expires)")
        .register(registry);
    Gauge.builder("sidecache.store.bytes", store, s -> s.stats().usedBytes())
        .tag("tier", tier).baseUnit("bytes")
        .description("Bytes held: keys, values and per-entry overhead").register(registry);
    Gauge.builder("sidecache.store.max.bytes", store, s -> s.stats().maximumBytes())
        .tag("tier", tier).baseUnit("bytes").description("Configured bound").register(registry);
    FunctionCounter.builder("sidecache.store.evictions", store, s -> s.stats().evictions())
        .tag("tier", tier).description("Entries evicted to stay within the bound")
        .register(registry);
    FunctionCounter.builder("sidecache.store.expirations", store, s -> s.stats().expirations())
        .tag("tier", tier).description("Expired entries reclaimed").register(registry);
    FunctionCounter.builder("sidecache.store.gets", store, s -> s.stats().hits())
        .tags("tier", tier, "result", "hit").description(GETS).register(registry);
    FunctionCounter.builder("sidecache.store.gets", store, s -> s.stats().misses())
        .tags("tier", tier, "result", "miss").description(GETS).register(registry);
  }
}
