package io.sidecache.store;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;

/**
 * Binds the chunk counters of a store that chunks large values ({@link StoreStats#chunks()}) to
 * Micrometer, with a {@code tier} tag: {@code sidecache.store.chunks} and {@code
 * sidecache.store.chunk.bytes} (gauges), {@code sidecache.store.chunk.reads} and {@code
 * sidecache.store.chunk.writes} (counters, {@code tier=memory|disk}), {@code
 * sidecache.store.chunk.misses}. Read at scrape time; a store without chunks reports 0.
 * Thread-safe.
 */
public final class ChunkMetrics implements MeterBinder {
  private final CacheStore store;

  /**
   * Creates the binder.
   *
   * @param store the store to read, must not be {@code null}
   */
  public ChunkMetrics(CacheStore store) {
    this.store = store;
  }

  // Meters hold their state object weakly: they read the store, which the node keeps, never this
  // binder, which nothing keeps once bound (a collected one turns gauges into NaN and freezes
  // function counters).
  private static double read(CacheStore store, ToDoubleFunction<ChunkStats> field) {
    return store.stats().chunks().map(field::applyAsDouble).orElse(0.0);
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("sidecache.store.chunks", store, s -> read(s, ChunkStats::memoryChunks))
        .tag("tier", "memory").description("Chunks of large values held").register(registry);
    Gauge.builder("sidecache.store.chunks", store, s -> read(s, ChunkStats::diskChunks))
        .tag("tier", "disk").description("Chunks of large values held").register(registry);
    Gauge.builder("sidecache.store.chunk.bytes", store, s -> read(s, ChunkStats::memoryBytes))
        .tag("tier", "memory").baseUnit("bytes").description("Heap held by chunks")
        .register(registry);
    FunctionCounter.builder("sidecache.store.chunk.reads", store,
            s -> read(s, ChunkStats::memoryReads))
        .tag("tier", "memory").description("Chunk reads answered there").register(registry);
    FunctionCounter.builder("sidecache.store.chunk.reads", store,
            s -> read(s, ChunkStats::diskReads))
        .tag("tier", "disk").description("Chunk reads answered there").register(registry);
    FunctionCounter.builder("sidecache.store.chunk.writes", store,
            s -> read(s, ChunkStats::memoryWrites))
        .tag("tier", "memory").description("Chunks written there").register(registry);
    FunctionCounter.builder("sidecache.store.chunk.writes", store,
            s -> read(s, ChunkStats::diskWrites))
        .tag("tier", "disk").description("Chunks written there").register(registry);
    FunctionCounter.builder("sidecache.store.chunk.misses", store,
            s -> read(s, ChunkStats::misses))
        .description("Chunk reads that found no chunk").register(registry);
  }
}
