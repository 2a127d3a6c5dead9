package io.sidecache.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sidecache.store.memory.MemoryStore;
import org.junit.jupiter.api.Test;

class ChunkMetricsTest {
  @Test
  void metersOutliveTheBinder() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    CacheStore store = MemoryStore.builder().maximumBytes(1 << 20).build();
    new ChunkMetrics(store).bindTo(registry);
    // Meters hold their state weakly: one that held the binder read NaN once it was collected.
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    assertEquals(0.0, registry.get("sidecache.store.chunks").tag("tier", "memory").gauge().value());
    assertEquals(0.0, registry.get("sidecache.store.chunk.bytes").gauge().value());
    assertEquals(0.0, registry.get("sidecache.store.chunk.reads").tag("tier", "disk")
        .functionCounter().count());
    java.lang.ref.Reference.reachabilityFence(store); // the node keeps its store; so does this
  }
}
